// Package misp reads and writes MISP events and reads CSV feeds, so that
// koban can take in what MISP communities share and share back what it
// knows. It is a library: it stores nothing and decides nothing about
// access; the import pipeline builds on it.
//
// # Reading
//
// NewReader(r).Next reads events one at a time from every shape exports
// come in — {"Event": {...}}, a bare event, MISP's {"response": [...]} and
// a JSON array — streaming the two list shapes so that a response of a
// million events never sits in memory whole. Parse and ParseEvent read a
// byte slice and name a syntax error's line and column. Numbers and flags
// written as strings ("1597300000", "1", "3") or as JSON numbers and
// booleans are both read; unknown fields are ignored; an object with no
// field of an event (a STIX bundle, {}) is refused as CodeNotEvent.
//
// # Checking
//
// Validate reports every problem of an event against the MISP core format
// (draft-dulaunoy-misp-core-format): required fields, UUID syntax and
// reuse, attribute types and categories against koban's own table of the
// 194 types and 16 categories (types.go, held against PyMISP's
// describeTypes.json by a test), composite values, distribution, threat
// level, analysis and sighting ranges, flags and times that could not be
// read. Each Problem has a stable Code, the Path of the field ("Event.
// Object[2].Attribute[0].category"), the Value at fault and what was
// wanted; Error gives English, Key and Args the catalog sentence
// ("misp.problem.<code>", in ja and en).
//
// # Mapping to koban
//
// Event.Entries gives every attribute (the event's, then each object's)
// with the koban observables it stands for, in canonical form through
// observe.Normalize (the table is in observables.go), and its TLP: the
// attribute's tags, else its object's, else the event's (TLP reads
// tlp:clear, tlp:white, tlp:green, tlp:amber, tlp:amber+strict and
// tlp:red in any case; the strictest wins). Attributes of other types are
// kept and give no observable.
//
// # Writing
//
// NewEvent builds an event from a Draft of koban data (title, date, TLP,
// tags, observables with their koban types); ExportOf says which MISP type
// and category each koban type becomes. Marshal and Write give the JSON
// MISP takes ({"Event": {...}}, numbers and times as strings, flags as
// booleans). An event read and written again reads back to the same
// attributes (type, category, value, to_ids, tags).
//
// # CSV feeds
//
// A Feed maps columns (numbered from 1) to the value, its MISP type or a
// fixed type, first seen, comment and tags; NewCSVReader(r, feed).Next
// returns a Record a line at a time, and a line that cannot give one
// returns a *Problem naming its line while the reader goes on.
package misp
