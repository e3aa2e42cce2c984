// Package audit describes koban's append-only, hash-chained audit log. Every
// change, and every view of a reporter's personal data, is written as one Row
// in the same transaction as the thing it records; each row's hash covers its
// content and the previous row's hash, so an altered or removed row breaks the
// chain at that point.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
	BadID   int64  // first row found altered or following a removed row; 0 when intact
	Problem string // what is wrong with BadID
}

// OK reports whether the chain is intact.
func (r Result) OK() bool { return r.BadID == 0 }

// Verifier checks rows one by one in id order.
type Verifier struct {
	res    Result
	prev   string
	lastID int64
}

// NewVerifier starts a verification at the beginning of the log.
func NewVerifier() *Verifier { return &Verifier{prev: Genesis} }

// Check takes the next row and reports false once the chain is broken.
func (v *Verifier) Check(r Row) bool {
	if v.res.BadID != 0 {
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
	v.res.Head = r.Hash
	return true
}

// Result returns the outcome so far.
func (v *Verifier) Result() Result { return v.res }
