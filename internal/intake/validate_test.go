package intake_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
)

func TestValidate(t *testing.T) {
	e := newEnv(t)
	partner := e.officer("api@jc3.example.jp", "jc3", auth.RolePartner)
	partnerOrigin := intake.Origin{Source: "partner", SubmittedBy: partner.UserID, OrgID: partner.OrgID, Label: partner.Email, IP: "198.51.100.8"}
	img := pngBytes(t)
	files := func(n int) []intake.Upload {
		var out []intake.Upload
		for i := 0; i < n; i++ {
			out = append(out, upload("p.png", img))
		}
		return out
	}
	longDomain := strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 60) + "." + strings.Repeat("e", 60) + ".jp"

	type P = map[string]string
	for _, c := range []struct {
		name    string
		mod     func(s *intake.Submission)
		partner bool
		want    P // nil: accepted
	}{
		{"valid", func(*intake.Submission) {}, false, nil},

		{"kind missing", func(s *intake.Submission) { s.Kind = "" }, false, P{"kind": "intake.error.kind"}},
		{"kind unknown", func(s *intake.Submission) { s.Kind = "complaint" }, false, P{"kind": "intake.error.kind"}},
		{"kind upper case", func(s *intake.Submission) { s.Kind = "REPORT" }, false, P{"kind": "intake.error.kind"}},

		{"category unknown", func(s *intake.Submission) { s.Category = "XX" }, false, P{"category": "intake.error.category"}},
		{"category name instead of code", func(s *intake.Submission) { s.Category = "phishing" }, false, P{"category": "intake.error.category"}},
		{"category lower case with spaces", func(s *intake.Submission) { s.Category = " fr " }, false, nil},
		{"category unknown to the reporter", func(s *intake.Submission) { s.Category = "" }, false, nil},

		{"description empty", func(s *intake.Submission) { s.Description = "" }, false, P{"description": "intake.error.description_required"}},
		{"description only spaces", func(s *intake.Submission) { s.Description = " \n\t\u3000 " }, false, P{"description": "intake.error.description_required"}},
		{"description at the limit", func(s *intake.Submission) { s.Description = strings.Repeat("詐", 20000) }, false, nil},
		{"description too long", func(s *intake.Submission) { s.Description = strings.Repeat("詐", 20001) }, false, P{"description": "intake.error.description_too_long"}},
		{"description bell", func(s *intake.Submission) { s.Description = "ring\x07" + s.Description }, false, P{"description": "intake.error.description_invalid"}},
		{"description NUL", func(s *intake.Submission) { s.Description = "a\x00b" }, false, P{"description": "intake.error.description_invalid"}},
		{"description terminal escape", func(s *intake.Submission) { s.Description = "\x1b[31mred" }, false, P{"description": "intake.error.description_invalid"}},
		{"description C1 control", func(s *intake.Submission) { s.Description = "next\u0085line" }, false, P{"description": "intake.error.description_invalid"}},
		{"description invalid UTF-8", func(s *intake.Submission) { s.Description = "abc\xff\xfe" }, false, P{"description": "intake.error.description_invalid"}},
		{"description with tabs and line breaks", func(s *intake.Submission) { s.Description = "一行目\r\n二行目\tタブ" }, false, nil},

		{"occurred in the future", func(s *intake.Submission) { s.OccurredAt = now0.Add(11 * time.Minute) }, false, P{"occurred_at": "intake.error.future"}},
		{"occurred a little ahead (clock skew)", func(s *intake.Submission) { s.OccurredAt = now0.Add(9 * time.Minute) }, false, nil},
		{"occurred unknown", func(s *intake.Submission) { s.OccurredAt = time.Time{} }, false, nil},
		{"money sent in the future", func(s *intake.Submission) { s.Money.SentAt = now0.Add(24 * time.Hour) }, false, P{"money.sent_at": "intake.error.future"}},

		{"prefecture 48", func(s *intake.Submission) { s.Prefecture = "48" }, false, P{"prefecture": "intake.error.prefecture"}},
		{"prefecture 00", func(s *intake.Submission) { s.Prefecture = "00" }, false, P{"prefecture": "intake.error.prefecture"}},
		{"prefecture one digit", func(s *intake.Submission) { s.Prefecture = "1" }, false, P{"prefecture": "intake.error.prefecture"}},
		{"prefecture name", func(s *intake.Submission) { s.Prefecture = "Tokyo" }, false, P{"prefecture": "intake.error.prefecture"}},
		{"prefecture full-width digits", func(s *intake.Submission) { s.Prefecture = "１３" }, false, P{"prefecture": "intake.error.prefecture"}},
		{"prefecture with spaces", func(s *intake.Submission) { s.Prefecture = " 47 " }, false, nil},

		{"amount negative", func(s *intake.Submission) { s.Money.AmountJPY = -1 }, false, P{"money.amount_jpy": "intake.error.amount"}},
		{"amount above ten trillion yen", func(s *intake.Submission) { s.Money.AmountJPY = 10_000_000_000_001 }, false, P{"money.amount_jpy": "intake.error.amount"}},
		{"amount ten trillion yen", func(s *intake.Submission) { s.Money.AmountJPY = 10_000_000_000_000 }, false, nil},

		{"e-mail without @", func(s *intake.Submission) { s.Contact.Email = "taro.example.jp" }, false, P{"contact.email": "intake.error.email"}},
		{"e-mail with a display name", func(s *intake.Submission) { s.Contact.Email = "Taro <taro@example.jp>" }, false, P{"contact.email": "intake.error.email"}},
		{"e-mail two addresses", func(s *intake.Submission) { s.Contact.Email = "a@example.jp, b@example.jp" }, false, P{"contact.email": "intake.error.email"}},
		{"e-mail too long", func(s *intake.Submission) { s.Contact.Email = "taro@" + longDomain }, false, P{"contact.email": "intake.error.email"}},
		{"e-mail with spaces around", func(s *intake.Submission) { s.Contact.Email = "  taro@example.jp " }, false, nil},
		{"e-mail with a control character", func(s *intake.Submission) { s.Contact.Email = "taro\x07@example.jp" }, false, P{"contact.email": "intake.error.email"}},
		{"e-mail with a NUL after it", func(s *intake.Submission) { s.Contact.Email = "taro@example.jp\x00" }, false, P{"contact.email": "intake.error.email"}},
		{"phone with a control character", func(s *intake.Submission) { s.Contact.Phone = "090-1234-5678\x1b" }, false, P{"contact.phone": "intake.error.phone_chars"}},

		{"phone with letters", func(s *intake.Submission) { s.Contact.Phone = "090-CALL-ME" }, false, P{"contact.phone": "intake.error.phone_chars"}},
		{"phone of two digits", func(s *intake.Submission) { s.Contact.Phone = "12" }, false, P{"contact.phone": "intake.error.phone_short"}},
		{"phone too short", func(s *intake.Submission) { s.Contact.Phone = "12345" }, false, P{"contact.phone": "intake.error.phone_short"}},
		{"phone a digit short", func(s *intake.Submission) { s.Contact.Phone = "090-1234-567" }, false, P{"contact.phone": "intake.error.phone_short"}},
		{"phone of a landline", func(s *intake.Submission) { s.Contact.Phone = "03-1234-5678" }, false, nil},
		{"phone at fifteen digits", func(s *intake.Submission) { s.Contact.Phone = "+44 20 7946 0958 123" }, false, nil},
		{"phone too long", func(s *intake.Submission) { s.Contact.Phone = strings.Repeat("1", 16) }, false, P{"contact.phone": "intake.error.phone_long"}},
		{"phone with a full-width space", func(s *intake.Submission) { s.Contact.Phone = "090　1234　5678" }, false, nil},
		{"phone full-width", func(s *intake.Submission) { s.Contact.Phone = "０９０－１２３４－５６７８" }, false, nil},
		{"phone international", func(s *intake.Submission) { s.Contact.Phone = "+81 (90) 1234-5678" }, false, nil},

		{"name too long", func(s *intake.Submission) { s.Contact.Name = strings.Repeat("名", 201) }, false, P{"contact.name": "intake.error.too_long"}},
		{"name with a control character", func(s *intake.Submission) { s.Contact.Name = "山田\x07花子" }, false, P{"contact.name": "intake.error.text_invalid"}},
		{"name on two lines", func(s *intake.Submission) { s.Contact.Name = "山田\n花子" }, false, P{"contact.name": "intake.error.text_invalid"}},
		{"name invalid UTF-8", func(s *intake.Submission) { s.Contact.Name = "山田\xff" }, false, P{"contact.name": "intake.error.text_invalid"}},
		{"external id with a terminal escape", func(s *intake.Submission) { s.ExternalID = "jc3-\x1b[2J" }, true, P{"external_id": "intake.error.text_invalid"}},
		{"external id with a tab", func(s *intake.Submission) { s.ExternalID = "jc3\t1" }, true, P{"external_id": "intake.error.text_invalid"}},
		{"external id plain", func(s *intake.Submission) { s.ExternalID = "jc3-2026-000123" }, true, nil},
		{"name at the limit", func(s *intake.Submission) { s.Contact.Name = strings.Repeat("名", 200) }, false, nil},

		{"report without contact", func(s *intake.Submission) { s.Contact, s.Consent = intake.Contact{}, false }, false, P{"contact": "intake.error.contact_required"}},
		{"consultation without contact", func(s *intake.Submission) {
			s.Kind, s.Contact, s.Consent = intake.KindConsultation, intake.Contact{}, false
		}, false, P{"contact": "intake.error.contact_required"}},
		{"report with a name only", func(s *intake.Submission) { s.Contact = intake.Contact{Name: "山田"} }, false, P{"contact": "intake.error.contact_required"}},
		{"report with a phone only", func(s *intake.Submission) { s.Contact = intake.Contact{Phone: "03-1234-5678"} }, false, nil},
		{"tip without contact", func(s *intake.Submission) { s.Kind, s.Contact, s.Consent = intake.KindTip, intake.Contact{}, false }, false, nil},
		{"partner report without contact", func(s *intake.Submission) { s.Contact, s.Consent = intake.Contact{}, false }, true, nil},
		{"partner consultation without contact", func(s *intake.Submission) {
			s.Kind, s.Contact, s.Consent = intake.KindConsultation, intake.Contact{}, false
		}, true, nil},

		{"contact without consent", func(s *intake.Submission) { s.Consent = false }, false, P{"consent": "intake.error.consent"}},
		{"tip with a name but no consent", func(s *intake.Submission) {
			s.Kind, s.Contact, s.Consent = intake.KindTip, intake.Contact{Name: "匿名希望"}, false
		}, false, P{"consent": "intake.error.consent"}},
		{"partner passing contact without consent", func(s *intake.Submission) { s.Consent = false }, true, P{"consent": "intake.error.consent"}},

		{"five files", func(s *intake.Submission) { s.Files = files(5) }, false, nil},
		{"six files", func(s *intake.Submission) { s.Files = files(6) }, false, P{"files": "intake.error.too_many_files"}},

		// A malformed address is reported as such, not as a missing contact.
		{"everything wrong at once", func(s *intake.Submission) {
			*s = intake.Submission{
				Kind: "x", Category: "zz", Description: "", OccurredAt: now0.Add(time.Hour), Prefecture: "99",
				Money:   intake.Money{AmountJPY: -5, SentAt: now0.Add(time.Hour)},
				Contact: intake.Contact{Name: strings.Repeat("n", 201), Email: "bad", Phone: "x"}, Files: files(6),
			}
		}, false, P{
			"kind": "intake.error.kind", "category": "intake.error.category", "description": "intake.error.description_required",
			"occurred_at": "intake.error.future", "prefecture": "intake.error.prefecture", "money.amount_jpy": "intake.error.amount",
			"money.sent_at": "intake.error.future", "contact.name": "intake.error.too_long", "contact.email": "intake.error.email",
			"contact.phone": "intake.error.phone_chars", "consent": "intake.error.consent",
			"files": "intake.error.too_many_files",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := validSub()
			c.mod(&s)
			o := public
			if c.partner {
				o = partnerOrigin
			}
			before := e.auditRows()
			rc, err := e.svc.Submit(e.ctx, s, o)
			if c.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if rc.ReportID == 0 {
					t.Error("accepted but not stored")
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want %v", c.want)
			}
			if koban.ErrorCode(err) != koban.Invalid {
				t.Errorf("code %s, want invalid", koban.ErrorCode(err))
			}
			if got := problems(t, err); !maps.Equal(got, c.want) {
				t.Errorf("problems %v, want %v", got, c.want)
			}
			if e.auditRows() != before {
				t.Error("a refused submission was stored")
			}
		})
	}
}

// TestValidateNormalises checks what a stored submission looks like after
// the trimming and upper-casing validation does.
func TestValidateNormalises(t *testing.T) {
	e := newEnv(t)
	s := validSub()
	s.Category, s.Prefecture, s.Description = " fr ", " 27 ", "\n  本文  \n"
	s.Contact = intake.Contact{Name: " 山田 ", Email: " taro@example.jp ", Phone: " 090-1234-5678 "}
	r := e.load(e.submit(s).ReportID)
	if r.Category != "FR" || r.ReportedCategory != "FR" || r.Prefecture != "27" || r.Description != "本文" ||
		r.Contact != (intake.Contact{Name: "山田", Email: "taro@example.jp", Phone: "090-1234-5678"}) || r.OrgID != e.orgID("pref-27") {
		t.Errorf("stored %+v", r)
	}
}
