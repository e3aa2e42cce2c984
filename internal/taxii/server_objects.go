package taxii

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Headers of the pages of objects, manifests and versions.
const (
	HeaderDateAddedFirst = "X-TAXII-Date-Added-First"
	HeaderDateAddedLast  = "X-TAXII-Date-Added-Last"
)

// allowed reports whether the caller may read (read) and write (write) the
// request's collection; when not, it has answered 404 or 403.
func (s *Server) allowed(r *request, read, write bool) bool {
	c, err := s.backend.Collection(r.Context(), r.segs[0], r.segs[2])
	if err != nil {
		s.backendError(r.w, r.Request, err)
		return false
	}
	if (read && !c.CanRead) || (write && !c.CanWrite) {
		what := "read"
		if write && !c.CanWrite {
			what = "write to"
		}
		s.fail(r.w, r.Request, http.StatusForbidden, "taxii.forbidden", "Forbidden",
			fmt.Sprintf("You may not %s this collection.", what), map[string]string{"collection": c.ID})
		return false
	}
	return true
}

// query reads the request's parameters and fills in the defaults: the page
// size, and the versions wanted when none are named.
func (s *Server) query(r *request, defaultVersion VersionKind) (Query, bool) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		var pe *ParamError
		errors.As(err, &pe)
		s.fail(r.w, r.Request, http.StatusBadRequest, pe.Code(), "Bad parameter",
			fmt.Sprintf("The parameter %s cannot be read: %s.", pe.Param, pe.Reason), map[string]string{"param": pe.Param, "value": pe.Value})
		return q, false
	}
	if q.Limit == 0 || q.Limit > s.opts.PageSize {
		q.Limit = s.opts.PageSize
	}
	if len(q.Match.Versions) == 0 {
		q.Match.Versions = []Version{{Kind: defaultVersion}}
	}
	q.Match.Other = nil
	return q, true
}

// pageHeaders sets the date-added headers of a page.
func pageHeaders(r *request, p Page) {
	if len(p.Records) == 0 {
		return
	}
	r.w.Header().Set(HeaderDateAddedFirst, FormatTimestamp(p.Records[0].DateAdded))
	r.w.Header().Set(HeaderDateAddedLast, FormatTimestamp(p.Records[len(p.Records)-1].DateAdded))
}

// getObjects answers GET .../collections/<id>/objects/.
func (s *Server) getObjects(r *request) {
	if !s.allowed(r, true, false) {
		return
	}
	q, ok := s.query(r, VersionLast)
	if !ok {
		return
	}
	page, err := s.backend.Objects(r.Context(), r.segs[0], r.segs[2], q)
	if err != nil {
		s.backendError(r.w, r.Request, err)
		return
	}
	s.writeEnvelope(r, page)
}

// getObject answers GET .../objects/<object-id>/: an envelope with the
// versions of one object (the last by default).
func (s *Server) getObject(r *request) {
	if !s.allowed(r, true, false) {
		return
	}
	q, ok := s.query(r, VersionLast)
	if !ok {
		return
	}
	q.Match.IDs, q.Match.Types = []string{r.segs[4]}, nil
	page, err := s.backend.Objects(r.Context(), r.segs[0], r.segs[2], q)
	if err != nil {
		s.backendError(r.w, r.Request, err)
		return
	}
	if len(page.Records) == 0 && q.Next == "" {
		s.backendError(r.w, r.Request, ErrNotFound)
		return
	}
	s.writeEnvelope(r, page)
}

// writeEnvelope writes a page of objects as an envelope. The objects are
// copied as the backend holds them.
func (s *Server) writeEnvelope(r *request, page Page) {
	var buf bytes.Buffer
	size := 64
	for _, rec := range page.Records {
		size += len(rec.Object) + 1
	}
	buf.Grow(size)
	buf.WriteString(`{"more":`)
	buf.WriteString(strconv.FormatBool(page.More))
	if page.More && page.Next != "" {
		buf.WriteString(`,"next":`)
		next, _ := json.Marshal(page.Next)
		buf.Write(next)
	}
	if len(page.Records) > 0 {
		buf.WriteString(`,"objects":[`)
		for i, rec := range page.Records {
			if i > 0 {
				buf.WriteByte(',')
			}
			if len(rec.Object) == 0 {
				s.internal(r.w, r.Request, fmt.Errorf("taxii: backend returned %s %s without its object", rec.ID, rec.Version))
				return
			}
			buf.Write(rec.Object)
		}
		buf.WriteByte(']')
	}
	buf.WriteString("}\n")
	pageHeaders(r, page)
	s.writeBytes(r, http.StatusOK, buf.Bytes())
}

// manifest answers GET .../collections/<id>/manifest/.
func (s *Server) manifest(r *request) {
	if !s.allowed(r, true, false) {
		return
	}
	q, ok := s.query(r, VersionLast)
	if !ok {
		return
	}
	page, err := s.backend.Manifest(r.Context(), r.segs[0], r.segs[2], q)
	if err != nil {
		s.backendError(r.w, r.Request, err)
		return
	}
	out := struct {
		More    bool             `json:"more"`
		Next    string           `json:"next,omitempty"`
		Objects []ManifestRecord `json:"objects,omitempty"`
	}{More: page.More}
	if page.More {
		out.Next = page.Next
	}
	for _, rec := range page.Records {
		mt := MediaSTIX
		if rec.SpecVersion != "" {
			mt = "application/stix+json;version=" + rec.SpecVersion
		}
		out.Objects = append(out.Objects, ManifestRecord{ID: rec.ID, DateAdded: FormatTimestamp(rec.DateAdded), Version: recordVersion(rec), MediaType: mt})
	}
	pageHeaders(r, page)
	s.write(r, http.StatusOK, out)
}

func recordVersion(rec Record) string {
	if rec.Version != "" {
		return rec.Version
	}
	return FormatTimestamp(rec.DateAdded)
}

// versions answers GET .../objects/<object-id>/versions/.
func (s *Server) versions(r *request) {
	if !s.allowed(r, true, false) {
		return
	}
	q, ok := s.query(r, VersionAll)
	if !ok {
		return
	}
	// This endpoint lists every version; only spec_version filters it.
	q.Match = Match{Versions: []Version{{Kind: VersionAll}}, SpecVersions: q.Match.SpecVersions}
	page, err := s.backend.Versions(r.Context(), r.segs[0], r.segs[2], r.segs[4], q)
	if err != nil {
		s.backendError(r.w, r.Request, err)
		return
	}
	if len(page.Records) == 0 && q.Next == "" {
		s.backendError(r.w, r.Request, ErrNotFound)
		return
	}
	out := struct {
		More     bool     `json:"more"`
		Next     string   `json:"next,omitempty"`
		Versions []string `json:"versions,omitempty"`
	}{More: page.More}
	if page.More {
		out.Next = page.Next
	}
	for _, rec := range page.Records {
		out.Versions = append(out.Versions, recordVersion(rec))
	}
	pageHeaders(r, page)
	s.write(r, http.StatusOK, out)
}

// deleteObject answers DELETE .../objects/<object-id>/: without
// match[version], every version goes.
func (s *Server) deleteObject(r *request) {
	if !s.allowed(r, true, true) {
		return
	}
	q, ok := s.query(r, VersionAll)
	if !ok {
		return
	}
	q.Match = Match{IDs: []string{r.segs[4]}, Versions: q.Match.Versions, SpecVersions: q.Match.SpecVersions}
	q.AddedAfter, q.Next = time.Time{}, ""
	if err := s.backend.DeleteObject(r.Context(), r.segs[0], r.segs[2], r.segs[4], q); err != nil {
		s.backendError(r.w, r.Request, err)
		return
	}
	r.w.Header().Set("Content-Length", "0")
	r.w.WriteHeader(http.StatusOK)
}

// addObjects answers POST .../collections/<id>/objects/: the envelope is
// read as a stream, each object checked, and the backend given those that
// pass; the answer is 202 with the request's status.
func (s *Server) addObjects(r *request) {
	if !s.allowed(r, false, true) {
		return
	}
	if !isTAXIIContent(r.Header.Get("Content-Type")) {
		s.fail(r.w, r.Request, http.StatusUnsupportedMediaType, "taxii.unsupported_media_type", "Unsupported media type",
			"Send the envelope as "+MediaTAXII+".", map[string]string{"content_type": r.Header.Get("Content-Type")})
		return
	}
	limit := s.opts.MaxContentLength
	if r.ContentLength > limit {
		s.tooLarge(r)
		return
	}
	body := http.MaxBytesReader(r.w, r.Body, limit)
	req := AddRequest{Received: s.opts.Now().UTC().Truncate(time.Microsecond)}
	i := 0
	_, _, err := ReadEnvelope(body, func(raw json.RawMessage) error {
		o, err := ParseObject(raw)
		if err != nil {
			id := o.ID
			if id == "" {
				id = fmt.Sprintf("objects[%d]", i)
			}
			req.Rejected = append(req.Rejected, StatusDetail{ID: id, Version: o.Version, Message: err.(*ObjectError).Detail})
		} else {
			req.Objects = append(req.Objects, o)
		}
		i++
		return nil
	})
	if err != nil {
		var mbe *http.MaxBytesError
		var ee *EnvelopeError
		switch {
		case errors.As(err, &mbe):
			s.tooLarge(r)
		case errors.As(err, &ee):
			status := http.StatusUnprocessableEntity
			if ee.Syntax {
				status = http.StatusBadRequest
			}
			s.fail(r.w, r.Request, status, ee.Code(), "Not an envelope", ee.Reason+".",
				map[string]string{"offset": strconv.FormatInt(ee.Offset, 10)})
		default:
			s.fail(r.w, r.Request, http.StatusBadRequest, "taxii.bad_body", "Body not read", "The request body could not be read.", nil)
		}
		return
	}
	st, err := s.backend.AddObjects(r.Context(), r.segs[0], r.segs[2], req)
	if err != nil {
		s.backendError(r.w, r.Request, err)
		return
	}
	s.write(r, http.StatusAccepted, st)
}

func (s *Server) tooLarge(r *request) {
	s.fail(r.w, r.Request, http.StatusRequestEntityTooLarge, "taxii.too_large", "Too large",
		fmt.Sprintf("The request is larger than the %d bytes this API root takes (max_content_length).", s.opts.MaxContentLength),
		map[string]string{"max_content_length": strconv.FormatInt(s.opts.MaxContentLength, 10)})
}
