package web

import (
	"reflect"
	"testing"
)

func TestHighlight(t *testing.T) {
	for _, c := range []struct {
		snippet string
		terms   []string
		want    []snippetPart
	}{
		{"東京都内の京都", []string{"京都"}, []snippetPart{{"東", false}, {"京都", true}, {"内の", false}, {"京都", true}}},
		{"宅配smsの件", []string{"宅配", "sms"}, []snippetPart{{"宅配sms", true}, {"の件", false}}},
		{"abcabc", []string{"bca", "c"}, []snippetPart{{"a", false}, {"bca", true}, {"b", false}, {"c", true}}},
		{"なし", []string{"あり"}, []snippetPart{{"なし", false}}},
		{"", []string{"x"}, nil},
	} {
		if got := highlight(c.snippet, c.terms); !reflect.DeepEqual(got, c.want) {
			t.Errorf("highlight(%q, %q) = %v, want %v", c.snippet, c.terms, got, c.want)
		}
	}
}
