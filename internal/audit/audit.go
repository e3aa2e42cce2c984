// Package audit describes koban's append-only, hash-chained audit log. Every
// change, and every view of a reporter's personal data, is written as one Row
// in the same transaction as the thing it records; each row's hash covers its
// content and the previous row's hash, so an altered or removed row breaks the
// chain at that point. Rows cut from the end, or a chain rebuilt with fresh
// hashes from some row on, still link up; anchors (the head written down
// outside the database, see Anchor) catch those.
package audit

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Actor is who did something.
type Actor struct {
	UserID int64  // 0 for the public and for koban itself
	OrgID  int64  // the organisation the actor acted for
	Label  string // e-mail of a user, "public", or "system"
	IP     string
}

// Public is the actor for anonymous members of the public.
func Public(ip string) Actor { return Actor{Label: "public", IP: ip} }

// System is the actor for koban itself (start-up, commands).
var System = Actor{Label: "system"}

// Entry is one thing to record.
type Entry struct {
	Actor      Actor
	Action     string // dotted, e.g. "report.create", "report.view_personal"
	ObjectType string
	ObjectID   string
	Detail     map[string]any
}

// Row is one stored audit record.
type Row struct {
	ID         int64
	At         time.Time
	ActorID    int64
	Actor      string
	OrgID      int64
	Action     string
	ObjectType string
	ObjectID   string
	Detail     string // JSON
	IP         string
	PrevHash   string
	Hash       string
}

// Genesis is the previous hash of the first row.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// NewRow turns an entry into the row that follows prev (the hash of the last
// row, or Genesis) with the given id and time.
func NewRow(id int64, at time.Time, prev string, e Entry) (Row, error) {
	detail := ""
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail) // map keys are sorted: the text is stable
		if err != nil {
			return Row{}, fmt.Errorf("audit detail: %w", err)
		}
		detail = string(b)
	}
	r := Row{
		ID: id, At: at.UTC().Truncate(time.Microsecond), ActorID: e.Actor.UserID, Actor: e.Actor.Label,
		OrgID: e.Actor.OrgID, Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
		Detail: detail, IP: e.Actor.IP, PrevHash: prev,
	}
	r.Hash = r.ComputeHash()
	return r, nil
}

// ComputeHash returns the hash the row should carry: SHA-256 over its fields
// and the previous hash, each field length-prefixed so no two rows can be
// made to collide by moving text between fields.
func (r Row) ComputeHash() string {
	h := sha256.New()
	for _, f := range []string{
		strconv.FormatInt(r.ID, 10), strconv.FormatInt(r.At.UTC().UnixMicro(), 10),
		strconv.FormatInt(r.ActorID, 10), r.Actor, strconv.FormatInt(r.OrgID, 10),
		r.Action, r.ObjectType, r.ObjectID, r.Detail, r.IP, r.PrevHash,
	} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Result is the outcome of a verification.
type Result struct {
	Rows    int64  // rows checked
	Head    string // hash of the last row: keep it outside koban to detect removal at the tail
	HeadID  int64  // id of the last row
	BadID   int64  // first row found altered or following a removed row; 0 when intact
	Problem string // what is wrong with BadID
	Anchors int    // anchors found in the chain with their hash
	// Anchor is the first anchor, in row order, that the chain does not
	// bear out; nil when every anchor given holds.
	Anchor *AnchorFailure
	// Checkpoint is where the walk started when retention pruned the
	// log's oldest rows; nil when it started at the first row.
	Checkpoint *Checkpoint
	// Covered counts the anchors on rows the checkpoint's pruning removed:
	// they cannot be checked against rows that are gone.
	Covered int
}

// Checkpoint stands for the rows retention pruned from the start of the
// log: the last pruned row's id, hash and time. The first row left must
// name LastHash as its previous hash.
type Checkpoint struct {
	LastID   int64
	LastHash string
	LastAt   time.Time // when the last pruned row was written
	Pruned   int64     // rows this pruning removed
	At       time.Time // when they were pruned
}

// OK reports whether the chain is intact and holds every anchor given.
func (r Result) OK() bool { return r.BadID == 0 && r.Anchor == nil }

// Verifier checks rows one by one in id order.
type Verifier struct {
	res     Result
	prev    string
	lastID  int64
	anchors []Anchor // not yet reached, in row order
}

// NewVerifier starts a verification at the beginning of the log. Each
// anchor's row must turn up with the anchor's hash: the walk from the first
// row proves that nothing before it changed either.
func NewVerifier(anchors ...Anchor) *Verifier {
	as := slices.Clone(anchors)
	slices.SortStableFunc(as, func(a, b Anchor) int { return cmp.Compare(a.ID, b.ID) })
	return &Verifier{prev: Genesis, anchors: as}
}

// NewVerifierAfter starts a verification at the row after a checkpoint.
// Anchors on pruned rows are covered by the checkpoint, not checked, except
// one on the checkpoint's own row, whose hash the checkpoint keeps.
func NewVerifierAfter(cp Checkpoint, anchors ...Anchor) *Verifier {
	v := NewVerifier()
	v.prev, v.lastID = cp.LastHash, cp.LastID
	v.res.Checkpoint = &cp
	for _, a := range anchors {
		switch {
		case a.ID < cp.LastID:
			v.res.Covered++
		case a.ID == cp.LastID && a.Hash != cp.LastHash:
			if v.res.Anchor == nil {
				v.res.Anchor = &AnchorFailure{a, fmt.Sprintf("row %d was pruned with hash %s, not %s, so the chain was rewritten at or before that row", a.ID, cp.LastHash, a.Hash)}
			}
		case a.ID == cp.LastID:
			v.res.Anchors++
		default:
			v.anchors = append(v.anchors, a)
		}
	}
	slices.SortStableFunc(v.anchors, func(a, b Anchor) int { return cmp.Compare(a.ID, b.ID) })
	return v
}

// Check takes the next row and reports false once the chain is broken or
// fails an anchor.
func (v *Verifier) Check(r Row) bool {
	if !v.res.OK() {
		return false
	}
	v.res.Rows++
	var problems []string
	if r.PrevHash != v.prev {
		problems = append(problems, "previous hash does not match: a row before it was removed or altered")
	}
	if r.ID != v.lastID+1 {
		problems = append(problems, fmt.Sprintf("id %d follows %d: rows were removed", r.ID, v.lastID))
	}
	if r.ComputeHash() != r.Hash {
		problems = append(problems, "content does not match its hash: the row was altered")
	}
	if len(problems) > 0 {
		v.res.BadID = r.ID
		v.res.Problem = strings.Join(problems, "; ")
		return false
	}
	v.prev, v.lastID = r.Hash, r.ID
	v.res.Head, v.res.HeadID = r.Hash, r.ID
	for len(v.anchors) > 0 && v.anchors[0].ID <= r.ID {
		a := v.anchors[0]
		switch {
		case a.ID < r.ID: // ids run on from 1 without a gap, so only a row before the first could be passed over
			v.res.Anchor = &AnchorFailure{a, fmt.Sprintf("row %d is not in the log, which starts at row %d", a.ID, r.ID)}
		case a.Hash != r.Hash:
			v.res.Anchor = &AnchorFailure{a, fmt.Sprintf("row %d now has hash %s, not %s, so the chain was rewritten at or before that row", a.ID, r.Hash, a.Hash)}
		}
		if v.res.Anchor != nil {
			return false
		}
		v.res.Anchors++
		v.anchors = v.anchors[1:]
	}
	return true
}

// Result returns the outcome so far: an anchor past the last row seen names
// a row that is missing.
func (v *Verifier) Result() Result {
	res := v.res
	if res.OK() && len(v.anchors) > 0 {
		a := v.anchors[0]
		p := fmt.Sprintf("row %d is missing and the log ends at row %d, so rows were cut from its end", a.ID, v.lastID)
		if v.lastID == 0 {
			p = fmt.Sprintf("row %d is missing and the log is empty, so every row was removed", a.ID)
		}
		res.Anchor = &AnchorFailure{a, p}
	}
	return res
}
