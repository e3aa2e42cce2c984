package match

import (
	"bufio"
	"embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:embed seed/*.tsv
var seed embed.FS

// YamibaitoPhrases returns koban's seed list of 闇バイト phrases, one Phrase
// rule each: the phrases that the National Police Agency, prefectural
// police and local governments quote in their public warnings, each with
// its Source (publisher, address, date) and its Signal (lure, role,
// jargon …). The weights are koban's judgement; the phrases so common that
// ordinary text holds them (高額, 副業, 受け, 運び …) are weak (at most
// Weak). The list is seed/yamibaito.tsv.
func YamibaitoPhrases() []Rule { return slices.Clone(builtin().yamibaito) }

// KobanRules returns the rules koban writes for itself: a few more for
// 闇バイト and a small set for each other category (seed/koban.tsv).
func KobanRules() []Rule { return slices.Clone(builtin().koban) }

// BuiltinRules returns YamibaitoPhrases and KobanRules.
func BuiltinRules() []Rule {
	b := builtin()
	return append(append([]Rule(nil), b.yamibaito...), b.koban...)
}

// Builtin returns the Matcher of BuiltinRules, compiled once.
func Builtin() *Matcher {
	return builtinMatcher()
}

var builtinMatcher = sync.OnceValue(func() *Matcher {
	m, err := Compile(BuiltinRules())
	if err != nil {
		panic("match: the built-in rules do not compile: " + err.Error())
	}
	return m
})

// builtin reads the seed files once. They are part of the program, so a
// broken one is a programming error (TestBuiltinRules reads them).
var builtin = sync.OnceValue(func() (b struct{ yamibaito, koban []Rule }) {
	rows, err := readTSV("seed/yamibaito.tsv", 7)
	if err != nil {
		panic(err)
	}
	for _, f := range rows {
		w, err := strconv.ParseFloat(f[3], 64)
		if err != nil {
			panic(fmt.Sprintf("match: seed/yamibaito.tsv: %s: weight: %v", f[0], err))
		}
		b.yamibaito = append(b.yamibaito, Rule{
			ID: f[0], Kind: Phrase, Pattern: f[1], Category: Yamibaito, Weight: w, Signal: f[2],
			Source: f[4] + "; " + f[5] + "; " + f[6],
		})
	}
	rows, err = readTSV("seed/koban.tsv", 6)
	if err != nil {
		panic(err)
	}
	for _, f := range rows {
		w, err := strconv.ParseFloat(f[3], 64)
		if err != nil {
			panic(fmt.Sprintf("match: seed/koban.tsv: %s: weight: %v", f[0], err))
		}
		b.koban = append(b.koban, Rule{
			ID: f[0], Kind: Kind(f[1]), Category: Category(f[2]), Weight: w, Signal: f[4], Pattern: f[5],
			Source: "koban",
		})
	}
	return b
})

// readTSV returns the rows of an embedded seed file after its header, each
// with exactly n fields.
func readTSV(name string, n int) ([][]string, error) {
	data, err := seed.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("match: %w", err)
	}
	var rows [][]string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for line := 1; sc.Scan(); line++ {
		if line == 1 || sc.Text() == "" {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) != n {
			return nil, fmt.Errorf("match: %s:%d: %d fields, want %d", name, line, len(f), n)
		}
		rows = append(rows, f)
	}
	return rows, nil
}
