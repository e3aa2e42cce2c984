package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/observe"
)

// runExtract prints the observables of each file (or of standard input) as
// JSON lines. Text is read in pieces (observe.ExtractReader), so a file of
// any size takes bounded memory and its first values come out at once; an
// e-mail message or an HTML document is read whole, as it must be parsed.
func runExtract(env Env, files []string) error {
	// On a large file most of what the command keeps is the table of
	// values given, which holds no pointers: collecting garbage at 50%
	// growth instead of 100% keeps the peak nearer that table (for 1 GB of
	// indicator-dense text, 639 MB instead of 829, at the same speed). At
	// 25% the peak was 535 MB, but report prose ran up to 9% slower.
	// GOGC, if set, decides.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}
	w := bufio.NewWriterSize(env.Stdout, 64<<10)
	var line []byte
	emit := func(o observe.Observable) error {
		line = appendJSONLine(line[:0], o)
		_, err := w.Write(line)
		return err
	}
	do := func(name string, r io.Reader) error {
		br := bufio.NewReaderSize(r, 64<<10)
		head, err := br.Peek(512)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
		if !observe.IsDocument(name, head) {
			return observe.ExtractReader(br, emit)
		}
		b, err := io.ReadAll(br)
		if err != nil {
			return err
		}
		for _, o := range observe.ExtractFile(name, b) {
			if err := emit(o); err != nil {
				return err
			}
		}
		return nil
	}
	err := func() error {
		if len(files) == 0 {
			return do("", env.Stdin)
		}
		for _, f := range files {
			fh, err := os.Open(f)
			if err != nil {
				return err
			}
			err = do(f, fh)
			fh.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
		}
		return nil
	}()
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

// appendJSONLine appends o as encoding/json writes it with HTML escaping
// off, and a newline: {"type":"…","value":"…"}. Written by hand so that a
// value costs no allocation; TestAppendJSONLine holds it to encoding/json.
func appendJSONLine(b []byte, o observe.Observable) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, string(o.Type))
	b = append(b, `,"value":`...)
	b = appendJSONString(b, o.Value)
	return append(b, "}\n"...)
}

// appendJSONString appends s as a JSON string the way encoding/json does
// without HTML escaping: invalid UTF-8 becomes U+FFFD, and U+2028 and
// U+2029 are escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += n
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += n
			start = i
			continue
		}
		i += n
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
