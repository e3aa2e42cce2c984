package guard

import (
	"errors"
	"io"
)

// BodyReader wraps a request body (or a part of one) handed to code that
// also writes somewhere, such as a file store, and remembers the body's read
// error: a body cut off or over its limit is the client's doing (400, 413),
// a failure to store is not.
type BodyReader struct {
	R   io.Reader
	Err error // the first error reading R, other than io.EOF
}

func (b *BodyReader) Read(p []byte) (int, error) {
	n, err := b.R.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && b.Err == nil {
		b.Err = err
	}
	return n, err
}
