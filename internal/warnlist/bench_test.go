package warnlist

import (
	"testing"

	"github.com/koban-project/koban/internal/observe"
)

// benchObservables is a mix like a day's intake: mostly values on no list,
// some on several.
var benchObservables = []observe.Observable{
	{Type: observe.IPv4, Value: "8.8.8.8"},
	{Type: observe.IPv4, Value: "203.0.114.1"},
	{Type: observe.IPv4, Value: "192.168.1.1"},
	{Type: observe.IPv6, Value: "2400:4050:1:2::3"},
	{Type: observe.CIDR, Value: "52.95.0.0/16"},
	{Type: observe.Domain, Value: "www.google.com"},
	{Type: observe.Domain, Value: "amazon-co-jp.account-verify.top"},
	{Type: observe.Domain, Value: "sagawa-exp.cyou"},
	{Type: observe.URL, Value: "https://line.me/"},
	{Type: observe.URL, Value: "https://amazon-co-jp.account-verify.top/signin?id=12345"},
	{Type: observe.Email, Value: "support@amazon-co-jp.account-verify.top"},
	{Type: observe.Email, Value: "taro.yamada1985@gmail.com"},
	{Type: observe.Phone, Value: "+819012345678"},
	{Type: observe.Phone, Value: "+815012345678"},
	{Type: observe.SHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{Type: observe.BankAccount, Value: "0001-123-1-1234567"},
}

// BenchmarkMatch matches the mix against koban's lists and every MISP list.
func BenchmarkMatch(b *testing.B) {
	lists, _ := needMISP(b)
	m := NewMatcher(append(Builtin(), lists...))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.Match(benchObservables[i%len(benchObservables)])
	}
}

// BenchmarkMatchType shows each type's cost with every list loaded.
func BenchmarkMatchType(b *testing.B) {
	lists, _ := needMISP(b)
	m := NewMatcher(append(Builtin(), lists...))
	for _, o := range benchObservables {
		b.Run(string(o.Type)+"/"+o.Value, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.Match(o)
			}
		})
	}
}

// BenchmarkNewMatcher is the start-up cost of indexing every MISP list.
func BenchmarkNewMatcher(b *testing.B) {
	lists, _ := needMISP(b)
	lists = append(Builtin(), lists...)
	b.ReportAllocs()
	for b.Loop() {
		NewMatcher(lists)
	}
}

// BenchmarkReadMISPDir is the start-up cost of reading every MISP list.
func BenchmarkReadMISPDir(b *testing.B) {
	needMISP(b)
	b.ReportAllocs()
	for b.Loop() {
		ReadMISPDir(mispDir)
	}
}
