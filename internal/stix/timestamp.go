package stix

import (
	"errors"
	"strings"
	"time"
)

// Timestamp is a STIX timestamp: an instant in UTC and the text it was
// written as, so that "2016-04-06T20:03:48.000Z" is written back with its
// three zeros.
type Timestamp struct {
	time.Time
	text string
}

// ParseTimestamp reads an RFC 3339 timestamp in UTC as STIX requires:
// YYYY-MM-DDTHH:MM:SS, an optional fraction of any length, and "Z". Dates
// that do not exist (month 13, 30 February) are refused; a leap second
// (:60) is accepted as the spec's schema allows.
func ParseTimestamp(s string) (Timestamp, error) {
	if len(s) < 20 || s[len(s)-1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return Timestamp{}, errors.New("not of the form YYYY-MM-DDTHH:MM:SS[.fraction]Z")
	}
	num := func(a, b int) int {
		n := 0
		for _, c := range []byte(s[a:b]) {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, min, sec := num(11, 13), num(14, 16), num(17, 19)
	if year < 0 || month < 0 || day < 0 || hour < 0 || min < 0 || sec < 0 {
		return Timestamp{}, errors.New("not of the form YYYY-MM-DDTHH:MM:SS[.fraction]Z")
	}
	nsec := 0
	if rest := s[19 : len(s)-1]; rest != "" {
		if rest[0] != '.' || len(rest) < 2 {
			return Timestamp{}, errors.New("not of the form YYYY-MM-DDTHH:MM:SS[.fraction]Z")
		}
		for i, c := range []byte(rest[1:]) {
			if c < '0' || c > '9' {
				return Timestamp{}, errors.New("the fraction of a second has a non-digit")
			}
			if i < 9 {
				nsec = nsec*10 + int(c-'0')
			}
		}
		for i := len(rest) - 1; i < 9; i++ {
			nsec *= 10
		}
	}
	switch {
	case month < 1 || month > 12:
		return Timestamp{}, errors.New("there is no such month")
	case day < 1 || day > daysIn(year, month):
		return Timestamp{}, errors.New("there is no such day in that month")
	case hour > 23 || min > 59 || sec > 60:
		return Timestamp{}, errors.New("there is no such time of day")
	}
	return Timestamp{Time: time.Date(year, time.Month(month), day, hour, min, sec, nsec, time.UTC), text: s}, nil
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// NewTimestamp is t in UTC written with millisecond precision, the
// precision STIX asks of created and modified.
func NewTimestamp(t time.Time) Timestamp {
	t = t.UTC().Truncate(time.Millisecond)
	return Timestamp{Time: t, text: t.Format("2006-01-02T15:04:05.000Z")}
}

// String is the timestamp as written (or as NewTimestamp wrote it).
func (t Timestamp) String() string {
	if t.text == "" && !t.Time.IsZero() {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return t.text
}

// Fraction is the number of digits after the seconds (3 for milliseconds).
func (t Timestamp) Fraction() int {
	if i := strings.IndexByte(t.String(), '.'); i >= 0 {
		return len(t.String()) - i - 2
	}
	return 0
}

// MarshalJSON writes the timestamp's text.
func (t Timestamp) MarshalJSON() ([]byte, error) { return []byte(`"` + t.String() + `"`), nil }

// UnmarshalJSON reads a timestamp with ParseTimestamp.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s, ok := unquote(b)
	if !ok {
		return errors.New("a timestamp must be a string")
	}
	v, err := ParseTimestamp(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}
