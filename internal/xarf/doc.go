// Package xarf writes and reads X-ARF v4 abuse reports (JSON; the schemas
// at xarf.org/schemas/v4), the machine-readable half of a takedown
// request koban sends to a hosting provider, registrar or mail operator.
//
// Build makes a report from a Request, checking every field first and
// answering with all the problems at once (koban.Problems, catalog keys
// xarf.problem.*). What it writes validates against the specification's
// master schema; the tests hold it to that with a JSON Schema validator,
// together with the specification's 32 samples.
//
// A report carries the police organisation that asks (reporter and
// sender) and what the officer chose to put in it: the URL or source, the
// officer's own note, evidence files the officer attached. A Request has
// no place for anything from the citizen who reported the abuse — name,
// contact, their own description — so nothing of theirs can reach a
// provider unless an officer writes it into the note.
//
// Parse reads a report back (koban's or a provider's), keeping the fields
// it does not know; Mail renders the e-mail that goes with a report, in
// Japanese or English, from the locale catalogs (takedown.mail.*).
package xarf
