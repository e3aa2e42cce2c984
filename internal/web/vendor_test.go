package web

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestVendoredCytoscapeIsThePinnedRelease: the copy of cytoscape koban
// embeds is byte for byte the file of the version package.json pins
// (installed by npm ci), so it can be updated only by changing the pin.
func TestVendoredCytoscapeIsThePinnedRelease(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "..", "node_modules", "cytoscape", "dist", "cytoscape.min.js"))
	if err != nil {
		t.Fatalf("cytoscape is not installed (%v): run npm ci (or make npm) in the repository root", err)
	}
	got, err := staticFS.ReadFile("static/vendor/cytoscape.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("static/vendor/cytoscape.min.js differs from node_modules/cytoscape/dist/cytoscape.min.js: copy the pinned release again")
	}
}
