package observe

import (
	"bytes"
	"errors"
	"hash/maphash"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Streaming: ExtractReader reads a text of any size in pieces and gives the
// observables Extract would give for the whole text, in the same order,
// from memory bounded by the piece size (and the set of values already
// given, two 64-bit hashes a value).
//
// A piece is cut at a line break where one comes soon enough, else at other
// white space, and read with context on either side: the observables kept
// are those that start in the piece, found in a window that also holds the
// streamContext bytes before and after it, each end again at white space.
// No observable without white space in it (a URL, an address, a name, a
// hash) crosses white space, and those with spaces (a phone number, an
// account with its bank and branch, a handle after its platform's name, an
// ASN) span a few hundred bytes at most, far less than the context: so each
// observable is read in a window as it is in the whole text. Text
// normalisation is local to each side of white space too. The piece's ends
// are found in the window's prepared text by counting line breaks, which
// normalisation keeps one for one; a piece cut at other white space is
// found by preparing the window's parts one after the other, and where they
// do not add up to the whole, the piece is read without context. Only a run
// without white space longer than streamMaxRun is cut inside, at a
// character boundary; an observable across that cut may be lost or split.
// TestExtractReader and FuzzExtractReader hold ExtractReader to Extract.

// Sizes of ExtractReader, variables so that tests can make them small.
var (
	streamPiece   = 1 << 20 // bytes of text a piece holds, at least
	streamContext = 8 << 10 // bytes of context on either side
	streamMaxRun  = 8 << 20 // longest run without white space kept whole
	// How far a piece may run on to end at a line break rather than at
	// another white space.
	streamLineSearch = 64 << 10
	// Goroutines that read pieces: GOMAXPROCS when 0, and never more than
	// streamMaxWorkers, for each holds a scanner's memory.
	streamWorkers    = 0
	streamMaxWorkers = 8
)

// ExtractReader reads text from r and calls emit with each observable of
// it, as Extract(whole text) would give them: deduplicated, in order of
// first appearance. The value passed to emit is valid only during the
// call. ExtractReader stops at the first error of r or emit and returns it.
//
// Pieces are read on as many goroutines as GOMAXPROCS allows (at most
// streamMaxWorkers); emit is called from the caller's goroutine alone, in
// the order of the text.
func ExtractReader(r io.Reader, emit func(Observable) error) error {
	workers := streamWorkers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), streamMaxWorkers)
	}
	x := &streamer{r: r, emit: emit, seed: maphash.MakeSeed(), work: make(chan *piece)}
	// A piece being read in, one being read by each worker, and one whose
	// observables are being given while the others are read.
	x.pieces = make([]*piece, workers+2)
	for k := range x.pieces {
		x.pieces[k] = &piece{done: make(chan struct{}, 1)}
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for p := range x.work {
				p.read(x.seed)
				p.done <- struct{}{}
			}
		})
	}
	// The workers stop however run ends, a panic in emit included, and only
	// then do their scanners go back.
	defer func() {
		close(x.work)
		wg.Wait()
		for _, p := range x.pieces {
			if p.s != nil {
				p.s.release()
			}
		}
	}()
	return x.run()
}

// streamer is the state of one ExtractReader.
type streamer struct {
	r    io.Reader
	emit func(Observable) error
	// buf holds the input not yet read and the context before it; from is
	// where the next piece starts in buf. It is the buffer of the piece
	// being read in, handed on with that piece.
	buf  []byte
	from int
	eof  bool
	// pieces are the pieces in their ring: queued, from next, the n that
	// workers were given, oldest first; work gives a piece to a worker.
	pieces  []*piece
	next, n int
	work    chan *piece
	// seen holds two hashes of each observable given: the match's own
	// (see matchHash) and one of it under seed.
	seed maphash.Seed
	seen hashSet
}

// piece is a window of the input and what a worker found in it.
type piece struct {
	buf                  []byte
	start, from, to, end int // the window is buf[start:end], the piece buf[from:to]
	s                    *scanner
	aux                  buffers // prepares the parts of a window
	matches              []match // those that start in the piece, in order
	keys                 [][2]uint64
	done                 chan struct{}
}

// hashSet is a set of pairs of hashes: an open-addressing table, slotted by
// the first hash, that doubles when three quarters full (21 to 43 bytes a
// pair held). A Go map did the same work
// at about twice the cost, as it hashed the pair of hashes again. The
// second hash of each pair is stored with its lowest bit set, so that a
// zero marks an empty slot.
type hashSet struct {
	slots [][2]uint64
	n     int
	sink  uint64 // what prefetch read, kept so that the reads are not left out
}

// add puts k in the set and reports whether it was there already.
func (h *hashSet) add(k [2]uint64) (dup bool) {
	k[1] |= 1
	if 4*(h.n+1) > 3*len(h.slots) {
		h.grow()
	}
	mask := uint64(len(h.slots) - 1)
	for i := k[0] & mask; ; i = (i + 1) & mask {
		switch h.slots[i] {
		case k:
			return true
		case [2]uint64{}:
			h.slots[i] = k
			h.n++
			return false
		}
	}
}

// prefetch makes room for keys, then reads the slot each would take first,
// so that add finds them in the cache: the reads do not depend on one
// another, and the processor overlaps their misses.
func (h *hashSet) prefetch(keys [][2]uint64) {
	for 4*(h.n+len(keys)) > 3*len(h.slots) {
		h.grow()
	}
	mask := uint64(len(h.slots) - 1)
	var sum uint64
	for _, k := range keys {
		sum += h.slots[k[0]&mask][1]
	}
	h.sink = sum
}

// grow doubles the table (to 4,096 slots at first) and puts back what it
// held.
func (h *hashSet) grow() {
	old := h.slots
	h.slots = make([][2]uint64, max(2*len(old), 1<<12))
	mask := uint64(len(h.slots) - 1)
	for _, k := range old {
		if k == ([2]uint64{}) {
			continue
		}
		i := k[0] & mask
		for h.slots[i] != ([2]uint64{}) {
			i = (i + 1) & mask
		}
		h.slots[i] = k
	}
}

// run reads the input piece after piece, hands each to a worker, and
// gives the observables of the oldest while the others are read.
func (x *streamer) run() error {
	x.buf = x.free().buf
	for {
		for !x.eof && len(x.buf)-x.from < streamPiece+2*streamContext {
			if err := x.fill(); err != nil {
				return err
			}
		}
		if x.from >= len(x.buf) && x.eof {
			break
		}
		to, err := x.cut(x.from + streamPiece)
		if err != nil {
			return err
		}
		end, err := x.cut(to + streamContext)
		if err != nil {
			return err
		}
		p := x.free()
		p.buf, p.start, p.from, p.to, p.end = x.buf, x.cutBefore(x.from-streamContext), x.from, to, end
		x.n++
		x.work <- p
		// The next piece's buffer starts with the context it needs.
		next, err := x.freeGiving()
		if err != nil {
			return err
		}
		keep := x.cutBefore(to - streamContext)
		next.buf = append(next.buf[:0], x.buf[keep:]...)
		x.buf, x.from = next.buf, to-keep
	}
	for x.n > 0 {
		if err := x.give(); err != nil {
			return err
		}
	}
	return nil
}

// free returns the piece after the queued ones, with room in its buffer
// for a piece, its context and the look for a line break after it and
// after the context, so that the buffer seldom grows.
func (x *streamer) free() *piece {
	p := x.pieces[(x.next+x.n)%len(x.pieces)]
	if p.buf == nil {
		p.buf = make([]byte, 0, streamPiece+2*streamContext+4*streamLineSearch)
	}
	return p
}

// freeGiving is free, once the oldest piece has been given if every piece
// is queued (one stays free to read into).
func (x *streamer) freeGiving() (*piece, error) {
	if x.n == len(x.pieces)-1 {
		if err := x.give(); err != nil {
			return nil, err
		}
	}
	return x.free(), nil
}

// give waits for the oldest piece and gives its observables not given
// before. The keys of a block of matches had their slots looked at first,
// so that the cache misses of a table far larger than the cache overlap
// rather than come one after the other; the block is small enough for the
// slots to be in the cache still when the keys are added.
func (x *streamer) give() error {
	p := x.pieces[x.next]
	<-p.done
	x.next, x.n = (x.next+1)%len(x.pieces), x.n-1
	defer p.s.forgetMatches()
	const block = 256
	for b := 0; b < len(p.matches); b += block {
		part := p.matches[b:min(b+block, len(p.matches))]
		keys := p.keys[b : b+len(part)]
		x.seen.prefetch(keys)
		for i, m := range part {
			if x.seen.add(keys[i]) {
				continue
			}
			if err := x.emit(m.obs); err != nil {
				return err
			}
		}
	}
	return nil
}

// fill reads more input into buf.
func (x *streamer) fill() error {
	if cap(x.buf)-len(x.buf) < 64<<10 {
		x.buf = slices.Grow(x.buf, max(len(x.buf), 256<<10))
	}
	n, err := x.r.Read(x.buf[len(x.buf):cap(x.buf)])
	x.buf = x.buf[:len(x.buf)+n]
	switch {
	case errors.Is(err, io.EOF):
		x.eof = true
	case err != nil:
		return err
	}
	return nil
}

// isCutSpace reports whether a piece may be cut before c.
func isCutSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// cut returns where a piece starting before i may end: the first line
// break at or after i within streamLineSearch bytes, or else the first
// white space, reading more input as needed; or the end of the input; or,
// after a run of streamMaxRun bytes without white space, a character
// boundary.
func (x *streamer) cut(i int) (int, error) {
	for {
		limit := min(len(x.buf), i+streamLineSearch)
		if i < limit {
			if k := bytes.IndexByte(x.buf[i:limit], '\n'); k >= 0 {
				return i + k, nil
			}
		}
		if limit == i+streamLineSearch || x.eof {
			break
		}
		if err := x.fill(); err != nil {
			return 0, err
		}
	}
	j := i
	for {
		for ; j < len(x.buf); j++ {
			if isCutSpace(x.buf[j]) {
				return j, nil
			}
			if j-i >= streamMaxRun {
				for j > i && !utf8.RuneStart(x.buf[j]) {
					j--
				}
				return j, nil
			}
		}
		if x.eof {
			return len(x.buf), nil
		}
		if err := x.fill(); err != nil {
			return 0, err
		}
	}
}

// cutBefore returns the offset of the last white space at or before i, or
// 0, or (after a long run without any) a character boundary.
func (x *streamer) cutBefore(i int) int {
	if i <= 0 {
		return 0
	}
	lo := max(0, i-streamMaxRun)
	if k := bytes.LastIndexFunc(x.buf[lo:i+1], func(r rune) bool { return r < utf8.RuneSelf && isCutSpace(byte(r)) }); k >= 0 {
		return lo + k
	}
	for i > 0 && !utf8.RuneStart(x.buf[i]) {
		i--
	}
	return i
}

// read finds the observables that start in the piece, reading the whole
// window, and the keys they are deduplicated by: each match's own hash
// (taken by the pass that found it) and one more, of the whole observable
// under seed.
func (p *piece) read(seed maphash.Seed) {
	if p.s == nil {
		p.s = getScanner()
	}
	s := p.s
	window := ownString(p.buf[p.start:p.end])
	a, b := p.from-p.start, p.to-p.start
	s.reset(window)
	lo, hi, ok := lineOffsets(s.t, window, a, b)
	if !ok {
		lo, hi, ok = p.offsets(s.prepared, window, a, b)
	}
	if !ok {
		s.reset(window[a:b])
		lo, hi = 0, len(s.t)
	}
	// The matches are in order of position: those that start in the piece
	// are one run of them.
	ms := s.scan(passes)
	ms = ms[sort.Search(len(ms), func(i int) bool { return ms[i].pos >= lo }):]
	p.matches = ms[:sort.Search(len(ms), func(i int) bool { return ms[i].pos >= hi })]
	p.keys = p.keys[:0]
	for _, m := range p.matches {
		p.keys = append(p.keys, [2]uint64{m.hash, maphash.Comparable(seed, m.obs)})
	}
}

// offsets returns where window[a:b] lies in whole, window's prepared text,
// if preparing window[:a], window[a:b] and window[b:] one after the other
// gives that text, with the same marks.
func (p *piece) offsets(whole prepared, window string, a, b int) (lo, hi int, ok bool) {
	n, defang, kuten := 0, 0, 0
	for k, part := range [3]string{window[:a], window[a:b], window[b:]} {
		q := p.aux.prepare(part)
		if !strings.HasPrefix(whole.text[n:], q.text) {
			return 0, 0, false
		}
		for _, d := range q.defangDots {
			if defang >= len(whole.defangDots) || whole.defangDots[defang] != n+d {
				return 0, 0, false
			}
			defang++
		}
		for _, d := range q.kutenDots {
			if kuten >= len(whole.kutenDots) || whole.kutenDots[kuten] != n+d {
				return 0, 0, false
			}
			kuten++
		}
		n += len(q.text)
		switch k {
		case 0:
			lo = n
		case 1:
			hi = n
		}
	}
	return lo, hi, n == len(whole.text) && defang == len(whole.defangDots) && kuten == len(whole.kutenDots)
}

// lineOffsets returns where window[a:b] lies in prepared, window's prepared
// text, when each of a and b is an end of window or a line break: the
// preparation keeps every line break and makes none (NFKC maps nothing to
// one, and a defanging marker or a "。" never spans one), so the piece
// starts and ends at the same line breaks of the prepared text.
func lineOffsets(prepared, window string, a, b int) (lo, hi int, ok bool) {
	at := func(i int) (int, bool) {
		switch {
		case i == 0:
			return 0, true
		case i == len(window):
			return len(prepared), true
		case window[i] != '\n':
			return 0, false
		}
		// The line break at i is the n-th of window; find the n-th of prepared.
		n := strings.Count(window[:i], "\n")
		p := -1
		for range n + 1 {
			k := strings.IndexByte(prepared[p+1:], '\n')
			if k < 0 {
				return 0, false
			}
			p += 1 + k
		}
		return p, true
	}
	if strings.Count(prepared, "\n") != strings.Count(window, "\n") {
		return 0, 0, false
	}
	lo, ok = at(a)
	if !ok {
		return 0, 0, false
	}
	hi, ok = at(b)
	return lo, hi, ok
}
