package csaf

import (
	"bytes"
	"fmt"
)

// Problem is one failed mandatory test of the CSAF 2.0 specification
// (section 6.1).
type Problem struct {
	// Test is the specification's number of the test, "6.1.9"; "json" when
	// the input is not a CSAF document at all.
	Test string
	// Path is a JSON Pointer (RFC 6901) to the offending value.
	Path string
	// Message says what is wrong, in English.
	Message string
}

// String is the problem on one line: test, path and message.
func (p Problem) String() string { return p.Test + " " + p.Path + ": " + p.Message }

// Validate runs the implemented mandatory tests on a CSAF JSON document.
// It reads nothing but data: no network, no catalogue.
func Validate(data []byte) []Problem {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return []Problem{{Test: "json", Path: "", Message: "not a CSAF document: not a JSON object"}}
	}
	d, err := Read(bytes.NewReader(data))
	if err != nil {
		return []Problem{{Test: "json", Path: "", Message: "not a CSAF document: " + err.Error()}}
	}
	return Check(d)
}

// Check runs the implemented mandatory tests on a document already read.
func Check(d Document) []Problem {
	c := &checker{d: &d}
	c.productIDs()
	c.groupIDs()
	c.circular()
	c.contradictingStatus()
	c.scores()
	c.cwes()
	c.purls()
	c.revisionHistory()
	c.hashAlgorithms()
	c.versionRanges()
	c.languages()
	c.translator()
	c.categoryName()
	c.involvements()
	c.flagsPerProduct()
	c.multipleCVE()
	c.remediationsWithoutProducts()
	c.flagsWithoutProducts()
	c.profile()
	return c.problems
}

// checker collects the problems of one document.
type checker struct {
	d        *Document
	problems []Problem
}

func (c *checker) add(test, path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Test: test, Path: path, Message: fmt.Sprintf(format, args...)})
}
