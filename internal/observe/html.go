package observe

import (
	"net/http"
	"path/filepath"
	"strings"
)

// ExtractHTML reads an HTML document (a saved phishing page, a message
// body) the way an e-mail's HTML part is read: the observables of its text,
// scripts and styles left out, and the targets of its links (a and area
// href, form action, iframe src; mailto: and tel: give an address or a
// number). Links are listed with the text shown for them. Broken markup
// gives what could be read; it never panics.
func ExtractHTML(doc string) (ev Evidence) {
	r := &emlReader{seen: make(map[Observable]bool)}
	defer func() {
		if p := recover(); p != nil {
			r.warn("internal error while reading the document: %v", p)
			ev = r.evidence()
		}
	}()
	r.html(doc)
	return r.evidence()
}

// IsDocument reports whether ExtractFile reads a file of this name, whose
// first 512 bytes (or fewer, for a shorter file) are head, as an e-mail
// message or an HTML document, which it needs whole. Any other file is
// text, which ExtractReader can read in pieces.
func IsDocument(name string, head []byte) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".eml" || ext == ".html" || ext == ".htm" || strings.HasPrefix(http.DetectContentType(head), "text/html")
}

// ExtractFile returns the observables of a file of evidence: an e-mail
// message (by its .eml name) as ExtractEmail reads it, an HTML document (by
// its name or its content) as ExtractHTML reads it, anything else as text.
func ExtractFile(name string, data []byte) []Observable {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case ext == ".eml":
		if ev, err := ExtractEmail(data); err == nil {
			return ev.Observables
		}
	case ext == ".html" || ext == ".htm" || strings.HasPrefix(http.DetectContentType(data), "text/html"):
		return ExtractHTML(string(data)).Observables
	}
	return Extract(string(data))
}
