// Package stix reads, writes and validates STIX 2.1.
//
// One Object type holds every kind of STIX object (SDOs, SROs, SCOs,
// marking definitions, language content, extension definitions, and custom
// types): each property is kept as the JSON it was written as, in order,
// so that reading and writing give the same JSON (timestamps keep their
// precision: "…48.000Z" stays "…48.000Z"). Accessors decode what koban
// uses (Name, Pattern, SourceRef, ObjectRefs, Value, Hashes, …); Get and
// Set reach any property.
//
// Validate checks an object against the MUST rules of the spec and returns
// Problems with stable codes (catalogs: "stix.problem.<code>"); checking a
// pattern's grammar is left to PatternCheck, a hook the application sets.
//
// Decoder reads a bundle, an array of objects or one object from a stream
// one object at a time, so a bundle of any size never sits in memory; a
// broken object is reported with its place and the decoder goes on.
// Encoder writes a bundle object by object.
//
// NewSDO and NewSCO build objects to export, the latter with the
// deterministic id of the spec (UUIDv5 over the JCS canonical JSON of the
// type's ID-contributing properties). tlp.go holds the TLP 2.0 (and 1.0)
// marking definitions and the TLP of an object; koban.go koban's extension
// for Japanese bank accounts and phone numbers (docs/stix-extension.md).
package stix
