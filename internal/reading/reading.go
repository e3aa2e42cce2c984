// Package reading is koban's reading list (issue 14, public awareness):
// the advisories other bodies publish — JPCERT/CC's and IPA's RSS 1.0
// feeds, and any RSS 2.0 or Atom 1.0 feed — gathered on one page, newest
// first, for the supervisors and analysts of a cyber unit.
//
// Parse reads a feed into entries: a stable id (rdf:about, guid or
// atom:id, else the link), a title and a summary made plain text and
// bounded, an http or https link, the dates and the language. Items that
// cannot be shown are dropped and named; a document that is no feed is a
// *ParseError that says why.
package reading
