package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
)

// maxFormText caps the text fields of a public form, all together: far
// above what the fields hold when valid, and all of a form that is ever
// held in memory.
const maxFormText = 1 << 20

// formBody is a public form as read from its request: the text fields, and
// the files already staged by intake in the file store's temporary folder.
type formBody struct {
	values url.Values
	files  []intake.Upload
	// tooMany: more files were sent than a submission may carry; the extra
	// ones were skipped unread.
	tooMany bool
	// skipped names the files sent but not kept: skipped unread (over the
	// rate limit, too many) or cut off when the body went wrong. The page
	// asks for them to be chosen again.
	skipped []string
}

// close drops the staged files that no accepted submission stored.
func (f *formBody) close() {
	for _, u := range f.files {
		u.Close()
	}
}

// readForm reads a form post part by part, so that neither a large file nor
// a large body is held in memory (r.ParseMultipartForm keeps up to its
// maxMemory in RAM per request, and ten more MiB of fields): text fields are
// kept up to maxFormText in all, files stream through intake's checks to
// disk. A body announced as larger than the form may carry is read no
// further than its text fields before the first file, which are kept to show
// the form again. Without stageFiles, files are skipped unread (the client
// is over its rate limit, and only its fields are wanted). The error is a
// koban error, TooLarge or Malformed; the fields read before it are in the
// formBody all the same.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request, stageFiles bool) (*formBody, error) {
	f := &formBody{values: url.Values{}}
	lim := s.Intake.Limits()
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormText)
		if err := r.ParseForm(); err != nil {
			return f, bodyError(err)
		}
		f.values = r.PostForm
		return f, nil
	}
	overLimit := r.ContentLength > lim.MaxBody()
	r.Body = http.MaxBytesReader(w, r.Body, lim.MaxBody())
	mr, err := r.MultipartReader()
	if err != nil {
		return f, bodyError(err)
	}
	text := int64(0)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return f, bodyError(err)
		}
		name := part.FormName()
		if part.FileName() == "" && name != "files" {
			v, err := io.ReadAll(io.LimitReader(part, maxFormText-text+1))
			if err != nil {
				return f, bodyError(err)
			}
			if text += int64(len(v)); text > maxFormText {
				return f, koban.Errorf(koban.TooLarge, "intake.error.body_too_large")
			}
			f.values.Add(name, string(v))
			continue
		}
		switch {
		case overLimit:
			if name == "files" && part.FileName() != "" {
				f.skipped = append(f.skipped, part.FileName())
			}
			return f, koban.Errorf(koban.TooLarge, "intake.error.body_too_large")
		case name != "files", part.FileName() == "":
			// Not a field of the form, or the empty file input of a form
			// sent without a file.
			continue
		case !stageFiles:
			f.skipped = append(f.skipped, part.FileName())
			continue
		case len(f.files) == lim.Files:
			f.tooMany = true
			f.skipped = append(f.skipped, part.FileName())
			continue
		}
		body := &guard.BodyReader{R: part}
		up, err := s.Intake.Stage(part.FileName(), body)
		if body.Err != nil {
			f.skipped = append(f.skipped, part.FileName())
			return f, bodyError(body.Err)
		}
		if err != nil {
			return f, err
		}
		f.files = append(f.files, up)
	}
}

// bodyError is the error for a request body that could not be read to its
// end: too large when it went past its limit, otherwise unreadable.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &koban.Error{Code: koban.TooLarge, Key: "intake.error.body_too_large", Err: err}
	}
	return &koban.Error{Code: koban.Malformed, Key: "intake.error.malformed", Err: err}
}

// postForm reads a small url-encoded form of at most limit bytes into
// r.PostForm; when it cannot, it answers (413 for a body over the limit,
// 400 for one that cannot be read) and returns false.
func (s *Server) postForm(w http.ResponseWriter, r *http.Request, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, bodyError(err))
		return false
	}
	return true
}

// readOneUpload reads a multipart form part by part: its text fields (up
// to maxText bytes in all, TooLarge beyond) and its first "file" part,
// handed to stage as it arrives so that no file is held in memory (an
// empty file input, and any file after the first, are skipped). The body
// is cut at limit. The staged file comes back whatever else goes wrong,
// for the caller to close.
func readOneUpload[T any](w http.ResponseWriter, r *http.Request, limit int64, maxText int, stage func(io.Reader) (T, error)) (values url.Values, staged T, name string, err error) {
	values = url.Values{}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return values, staged, "", bodyError(err)
	}
	text, have := 0, false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return values, staged, name, nil
		}
		if err != nil {
			return values, staged, name, bodyError(err)
		}
		if part.FormName() != "file" {
			v, err := io.ReadAll(io.LimitReader(part, int64(maxText-text+1)))
			if err != nil {
				return values, staged, name, bodyError(err)
			}
			if text += len(v); text > maxText {
				return values, staged, name, koban.Errorf(koban.TooLarge, "intake.error.body_too_large")
			}
			values.Add(part.FormName(), string(v))
			continue
		}
		if part.FileName() == "" || have {
			continue // the empty file input of a form sent without a file; a second file
		}
		body := &guard.BodyReader{R: part}
		st, err := stage(body)
		if body.Err != nil {
			return values, st, name, bodyError(body.Err)
		}
		if err != nil {
			return values, st, name, err
		}
		staged, name, have = st, part.FileName(), true
	}
}
