package taxii

import (
	"net/http"
)

// discovery answers GET /taxii2/.
func (s *Server) discovery(r *request) {
	roots, err := s.backend.APIRoots(r.Context())
	if err != nil {
		s.backendError(r.w, r.Request, err)
		return
	}
	d := Discovery{Title: s.opts.Title, Description: s.opts.Description, Contact: s.opts.Contact}
	for _, root := range roots {
		d.APIRoots = append(d.APIRoots, s.rootURL(root.Name))
	}
	if len(d.APIRoots) > 0 {
		d.Default = d.APIRoots[0]
	}
	s.write(r, http.StatusOK, d)
}

func (s *Server) rootURL(name string) string { return s.opts.BaseURL + s.opts.Prefix + name + "/" }

// apiRoot answers GET /taxii2/<root>/.
func (s *Server) apiRoot(r *request) {
	roots, err := s.backend.APIRoots(r.Context())
	if err != nil {
		s.backendError(r.w, r.Request, err)
		return
	}
	for _, root := range roots {
		if root.Name == r.segs[0] {
			info := root.APIRoot
			info.Versions = []string{MediaTAXII}
			info.MaxContentLength = s.opts.MaxContentLength
			s.write(r, http.StatusOK, info)
			return
		}
	}
	s.backendError(r.w, r.Request, ErrNotFound)
}

// status answers GET /taxii2/<root>/status/<id>/.
func (s *Server) status(r *request) {
	st, err := s.backend.Status(r.Context(), r.segs[0], r.segs[2])
	if err != nil {
		s.backendError(r.w, r.Request, err)
		return
	}
	s.write(r, http.StatusOK, st)
}

// collections answers GET /taxii2/<root>/collections/.
func (s *Server) collections(r *request) {
	cs, err := s.backend.Collections(r.Context(), r.segs[0])
	if err != nil {
		s.backendError(r.w, r.Request, err)
		return
	}
	s.write(r, http.StatusOK, struct {
		Collections []Collection `json:"collections,omitempty"`
	}{cs})
}

// collection answers GET /taxii2/<root>/collections/<id>/.
func (s *Server) collection(r *request) {
	c, err := s.backend.Collection(r.Context(), r.segs[0], r.segs[2])
	if err != nil {
		s.backendError(r.w, r.Request, err)
		return
	}
	s.write(r, http.StatusOK, c)
}
