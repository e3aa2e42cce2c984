package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ObjectsPage is one page of objects as the server sent it.
type ObjectsPage struct {
	Objects []json.RawMessage
	More    bool
	Next    string
	// DateAddedFirst and DateAddedLast are the X-TAXII-Date-Added-First
	// and -Last headers; zero when the server sent none.
	DateAddedFirst, DateAddedLast time.Time
}

// GetObjects reads one page of a collection's objects.
func (c *Client) GetObjects(ctx context.Context, root, collection string, q Query) (*ObjectsPage, error) {
	u, err := c.endpoint(root, "collections", collection, "objects")
	if err != nil {
		return nil, err
	}
	return c.objectsPage(ctx, u, q)
}

// GetObject reads the versions of one object (the last unless q says
// otherwise).
func (c *Client) GetObject(ctx context.Context, root, collection, id string, q Query) (*ObjectsPage, error) {
	u, err := c.endpoint(root, "collections", collection, "objects", id)
	if err != nil {
		return nil, err
	}
	return c.objectsPage(ctx, u, q)
}

func (c *Client) objectsPage(ctx context.Context, u string, q Query) (*ObjectsPage, error) {
	resp, err := c.do(ctx, "GET", u, q.Values(), nil, envelopeBody)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readObjectsPage(u, resp)
}

// readObjectsPage reads an envelope answer and its date-added headers.
func readObjectsPage(u string, resp *http.Response) (*ObjectsPage, error) {
	p := &ObjectsPage{}
	var err error
	if p.DateAddedFirst, p.DateAddedLast, err = dateAddedHeaders(u, resp.Header); err != nil {
		return nil, err
	}
	p.More, p.Next, err = ReadEnvelope(resp.Body, func(raw json.RawMessage) error {
		p.Objects = append(p.Objects, raw)
		return nil
	})
	if err != nil {
		var ee *EnvelopeError
		if errors.As(err, &ee) {
			return nil, &ProtocolError{URL: u, Code: "taxii.client.envelope", Detail: ee.Error(), Args: map[string]string{"url": u}}
		}
		return nil, fmt.Errorf("taxii: GET %s: %w", u, err)
	}
	return p, nil
}

func dateAddedHeaders(u string, h http.Header) (first, last time.Time, err error) {
	for _, x := range []struct {
		name string
		t    *time.Time
	}{{HeaderDateAddedFirst, &first}, {HeaderDateAddedLast, &last}} {
		v := h.Get(x.name)
		if v == "" {
			continue
		}
		if *x.t, err = ParseTimestamp(v); err != nil {
			return first, last, &ProtocolError{URL: u, Code: "taxii.client.header", Detail: fmt.Sprintf("%s %q is not a timestamp", x.name, v),
				Args: map[string]string{"url": u, "header": x.name}}
		}
	}
	return first, last, nil
}

// Poll is what EachPage went through.
type Poll struct {
	Pages, Objects int
	// LastAdded is the latest X-TAXII-Date-Added-Last seen: the next poll
	// resumes with AddedAfter set to it. Zero when no page had one.
	LastAdded time.Time
}

// EachPage reads a collection page after page, handing each to fn, until
// the server says there is no more. It continues with the next value the
// server gives; a server that says more without a next value (as TAXII 2.0
// servers did) is continued with added_after set to the last page's
// X-TAXII-Date-Added-Last. An error from fn stops it and is returned with
// what was read so far.
func (c *Client) EachPage(ctx context.Context, root, collection string, q Query, fn func(*ObjectsPage) error) (Poll, error) {
	var poll Poll
	seen := map[string]bool{}
	for {
		page, err := c.GetObjects(ctx, root, collection, q)
		if err != nil {
			return poll, err
		}
		poll.Pages++
		poll.Objects += len(page.Objects)
		if page.DateAddedLast.After(poll.LastAdded) {
			poll.LastAdded = page.DateAddedLast
		}
		if err := fn(page); err != nil {
			return poll, err
		}
		if !page.More {
			return poll, nil
		}
		switch {
		case page.Next != "":
			if seen[page.Next] {
				return poll, &ProtocolError{URL: collection, Code: "taxii.client.loop", Detail: fmt.Sprintf("the server gave the next value %q twice", page.Next), Args: map[string]string{"url": collection}}
			}
			seen[page.Next] = true
			q.Next = page.Next
		case !page.DateAddedLast.IsZero() && page.DateAddedLast.After(q.AddedAfter):
			q.Next, q.AddedAfter = "", page.DateAddedLast
		default:
			return poll, &ProtocolError{URL: collection, Code: "taxii.client.loop", Detail: "the server says there is more but gives no way to ask for it", Args: map[string]string{"url": collection}}
		}
	}
}

// ManifestPage is one page of a manifest.
type ManifestPage struct {
	Records                       []ManifestRecord
	More                          bool
	Next                          string
	DateAddedFirst, DateAddedLast time.Time
}

// Manifest reads one page of a collection's manifest.
func (c *Client) Manifest(ctx context.Context, root, collection string, q Query) (*ManifestPage, error) {
	u, err := c.endpoint(root, "collections", collection, "manifest")
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, "GET", u, q.Values(), nil, taxiiBody)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	first, last, err := dateAddedHeaders(u, resp.Header)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("taxii: GET %s: %w", u, err)
	}
	var m struct {
		More    bool             `json:"more"`
		Next    string           `json:"next"`
		Objects []ManifestRecord `json:"objects"`
	}
	if err := decodeResource(u, "Manifest", b, &m); err != nil {
		return nil, err
	}
	return &ManifestPage{Records: m.Objects, More: m.More, Next: m.Next, DateAddedFirst: first, DateAddedLast: last}, nil
}

// AddObjects posts objects to a collection in one envelope and returns the
// status the server answered with. Each object must be a JSON object; the
// request is not sent otherwise. Tried again on 429/5xx like every
// request: adding a version the server holds changes nothing.
func (c *Client) AddObjects(ctx context.Context, root, collection string, objects []json.RawMessage) (Status, error) {
	var st Status
	u, err := c.endpoint(root, "collections", collection, "objects")
	if err != nil {
		return st, err
	}
	var body bytes.Buffer
	body.WriteString(`{"objects":[`)
	for i, o := range objects {
		t := bytes.TrimSpace(o)
		if len(t) == 0 || t[0] != '{' || !json.Valid(t) {
			return st, fmt.Errorf("taxii: object %d to add is not a JSON object", i)
		}
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(t)
	}
	body.WriteString("]}")
	resp, err := c.do(ctx, "POST", u, nil, body.Bytes(), taxiiBody)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return st, fmt.Errorf("taxii: POST %s: %w", u, err)
	}
	return st, decodeResource(u, "Status", b, &st, statusRequired...)
}

// DeleteObject deletes the versions of an object that q.Match selects
// (Versions, SpecVersions); all of them when it selects none.
func (c *Client) DeleteObject(ctx context.Context, root, collection, id string, q Query) error {
	u, err := c.endpoint(root, "collections", collection, "objects", id)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, "DELETE", u, Query{Match: Match{Versions: q.Match.Versions, SpecVersions: q.Match.SpecVersions}}.Values(), nil, noBodyExpected)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}
