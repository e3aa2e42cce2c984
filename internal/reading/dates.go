package reading

import (
	"strings"
	"time"
)

// w3cLayouts are the forms of W3C-DTF and RFC 3339 (dc:date, Atom),
// finest first; JPCERT/CC writes minutes without seconds.
var w3cLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04Z07:00",
}

// localLayouts name no zone: the feed's dates are in Options.Zone.
var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006-01",
	"2006/01/02 15:04:05",
	"2006/01/02 15:04",
	"2006/01/02",
}

// rfc822Layouts are RSS 2.0's dates (RFC 822 as RFC 1123 writes it, and
// what feeds write instead), after the weekday is taken off and the zone
// made a number.
var rfc822Layouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04 -0700",
	"2 January 2006 15:04:05 -0700",
	"2 January 2006 15:04 -0700",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006",
}

// zones are the zone names RSS dates use, as offsets (Go would take an
// unknown name for UTC).
var zones = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"JST": "+0900", "KST": "+0900", "CET": "+0100", "CEST": "+0200", "BST": "+0100",
}

// parseDate reads a feed's date in any of the forms feeds write; the zero
// time when it reads as none of them (the item is kept, without a date).
func parseDate(s string, zone *time.Location) time.Time {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || len(s) > 64 {
		return time.Time{}
	}
	for _, l := range w3cLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, zone); err == nil {
			return t.UTC()
		}
	}
	// RFC 822: drop the weekday, make the zone a number.
	if i := strings.IndexByte(s, ','); i >= 0 && i <= 10 {
		s = strings.TrimSpace(s[i+1:])
	} else if f := strings.Fields(s); len(f) > 0 && len(f[0]) >= 3 && isWeekday(f[0]) {
		s = strings.Join(f[1:], " ")
	}
	f := strings.Fields(s)
	if n := len(f); n > 0 {
		if off, ok := zones[strings.ToUpper(f[n-1])]; ok {
			f[n-1] = off
		} else if z := f[n-1]; len(z) == 6 && (z[0] == '+' || z[0] == '-') && z[3] == ':' {
			f[n-1] = z[:3] + z[4:] // +09:00
		}
		s = strings.Join(f, " ")
	}
	for _, l := range rfc822Layouts {
		if t, err := time.Parse(l, s); err == nil {
			if !strings.Contains(l, "-0700") {
				t, _ = time.ParseInLocation(l, s, zone)
			}
			return t.UTC()
		}
	}
	return time.Time{}
}

func isWeekday(s string) bool {
	switch strings.ToLower(s[:3]) {
	case "mon", "tue", "wed", "thu", "fri", "sat", "sun":
		return true
	}
	return false
}
