// Package cvss parses and scores CVSS vectors (v2.0, v3.0, v3.1, v4.0) and
// picks the one metric a vulnerability is ranked by.
//
// Parsing is strict: the version prefix, every base metric exactly once,
// only the values the specification defines; a bad vector is an error that
// names the reason. CVSS v2 requires the specification's metric order; v3
// and v4 accept any order, since real feeds reorder them, and String always
// writes the specification's order, so a parsed vector round-trips.
//
// Scores follow the FIRST specifications: v3.1's integer-based Roundup, v3.0's
// plain ceiling, v2's round to one decimal, and for v4.0 the macro vector's
// score from FIRST's table, interpolated by the vector's distance below the
// macro vector's most severe vectors.
package cvss
