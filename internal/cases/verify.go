package cases

import (
	"context"
	"fmt"
	"strconv"

	"github.com/koban-project/koban/internal/audit"
)

// Finding is one stored file that failed koban evidence verify, with every
// report and case that holds it.
type Finding struct {
	SHA256  string
	Problem string // "missing", "mismatch" (the content hashes to Found) or "size" (the size differs from the one recorded)
	Found   string
	Size    int64 // the size on disk
	Holders []StoredFile
}

// VerifySummary counts what VerifyAll checked.
type VerifySummary struct {
	Files    int // distinct files hashed
	Reports  int // report files (a file held by two reports counts twice)
	Evidence int // case evidence items with a file
	Damaged  int // files that failed
}

// VerifyAll hashes every stored file that a report or a case names again
// (each distinct file once) and calls found for each one missing or not
// matching its SHA-256. Each case evidence item gets a custody entry,
// verified or verification failed (with a timeline entry and a loud log
// line), in koban's own name; the run is audited.
func (s *EvidenceService) VerifyAll(ctx context.Context, found func(Finding)) (VerifySummary, error) {
	var sum VerifySummary
	var group []StoredFile
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		defer func() { group = group[:0] }()
		sum.Files++
		got, size, err := s.hash(group[0].SHA256)
		if err != nil {
			return err
		}
		f := Finding{SHA256: group[0].SHA256, Found: got, Size: size}
		switch {
		case got == "":
			f.Problem = "missing"
		case got != f.SHA256:
			f.Problem = "mismatch"
		default:
			for _, h := range group {
				if h.Size != size {
					f.Problem = "size"
				}
			}
		}
		for _, h := range group {
			if h.EvidenceID == 0 {
				sum.Reports++
				continue
			}
			sum.Evidence++
			ev := &Evidence{ID: h.EvidenceID, CaseID: h.CaseID, SHA256: h.SHA256, Size: h.Size}
			if f.Problem != "" {
				s.damaged(ctx, 0, ev, got, fmt.Errorf("koban evidence verify: %s", f.Problem))
				continue
			}
			now := s.cases.clock.Now()
			err := s.store.AddCustody(ctx, h.CaseID, []Custody{{EvidenceID: h.EvidenceID, At: now, Action: CustodyVerified, SHA256: got}}, Event{},
				audit.Entry{Actor: audit.System, Action: "evidence.verify", ObjectType: EvidenceObjectType, ObjectID: strconv.FormatInt(h.EvidenceID, 10),
					Detail: map[string]any{"case": h.CaseID, "sha256": got}})
			if err != nil {
				return err
			}
		}
		if f.Problem != "" {
			sum.Damaged++
			f.Holders = append([]StoredFile(nil), group...)
			found(f)
		}
		return nil
	}
	for f, err := range s.store.StoredFiles(ctx) {
		if err != nil {
			return sum, err
		}
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if len(group) > 0 && group[0].SHA256 != f.SHA256 {
			if err := flush(); err != nil {
				return sum, err
			}
		}
		group = append(group, f)
	}
	if err := flush(); err != nil {
		return sum, err
	}
	err := s.cases.store.Audit(ctx, audit.Entry{Actor: audit.System, Action: "evidence.verify_all", ObjectType: EvidenceObjectType,
		Detail: map[string]any{"files": sum.Files, "reports": sum.Reports, "evidence": sum.Evidence, "damaged": sum.Damaged}})
	return sum, err
}
