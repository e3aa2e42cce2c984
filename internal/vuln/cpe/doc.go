// Package cpe holds CPE 2.3 names (NISTIR 7695): the well-formed name (WFN)
// and its two bindings, the formatted string "cpe:2.3:…" and the URI
// "cpe:/…" with its packed edition, and the name comparison of NISTIR 7696
// (SUPERSET, SUBSET, EQUAL, DISJOINT per attribute and per name).
//
// A Value keeps the WFN form of an attribute: letters, digits and "_" as
// they are, every other character quoted with a backslash, and the
// wildcards "*" and "?" unquoted (allowed only at the start or end, as the
// specification says). Comparison folds case, as NISTIR 7696 asks.
package cpe
