package xmlbound

import (
	"strings"
	"testing"
)

func TestBounds(t *testing.T) {
	var v struct {
		A string `xml:"a"`
	}
	if err := NewDecoder(strings.NewReader("<r><a>x</a></r>"), 100, 2).Decode(&v); err != nil || v.A != "x" {
		t.Errorf("within bounds: %v %q", err, v.A)
	}
	if err := NewDecoder(strings.NewReader("<r><a>"+strings.Repeat("x", 200)+"</a></r>"), 100, 2).Decode(&v); err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") {
		t.Errorf("too long: %v", err)
	}
	if err := NewDecoder(strings.NewReader("<r><a><b/></a></r>"), 0, 2).Decode(&v); err == nil || !strings.Contains(err.Error(), "line 1: elements nest deeper than 2") {
		t.Errorf("too deep: %v", err)
	}
	if err := NewDecoder(strings.NewReader("<r><a>x</r>"), 0, 8).Decode(&v); err == nil {
		t.Errorf("not well-formed, accepted")
	}
}
