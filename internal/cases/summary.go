package cases

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"codeberg.org/go-pdf/fpdf"

	"github.com/koban-project/koban/internal/observe"
)

// The court bundle's PDF summary, in Japanese, set in the TrueType font
// ExportConfig.Font gives (IPA Gothic on Debian): fpdf embeds the glyphs
// used (a subset), so the PDF reads the same on any machine.
//
// fpdf's own line breaking (MultiCell, SplitText) drops a kanji at each
// break and stops the document at a character outside the Basic
// Multilingual Plane, so lines are broken here (wrap) and text is cleaned
// first (pdfText).

const (
	pdfFont   = "ipag"
	pdfMargin = 18.0 // mm
	pdfLine   = 5.2  // mm, body text
)

type pdfDoc struct {
	f     *fpdf.Fpdf
	width float64 // of the text column, mm
}

// newSummaryPDF starts the PDF with the Japanese font loaded: a font fpdf
// cannot use is refused here, before anything of the export is recorded.
func newSummaryPDF(font []byte) (f *fpdf.Fpdf, err error) {
	defer func() {
		// A damaged font can make fpdf's parser panic: a broken font, not a
		// broken koban.
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("the font cannot be read: %v", r)
		}
	}()
	if len(font) < 12 {
		return nil, errors.New("the font file is empty or cut short")
	}
	switch binary.BigEndian.Uint32(font) {
	case 0x00010000, 0x74727565: // TrueType ("true")
	case 0x4f54544f: // "OTTO"
		return nil, errors.New("the font is OpenType with PostScript outlines (CFF); a TrueType font (.ttf) is needed, such as IPA Gothic ipag.ttf")
	case 0x74746366: // "ttcf"
		return nil, errors.New("the font is a TrueType collection (.ttc); a single TrueType font (.ttf) is needed, such as IPA Gothic ipag.ttf")
	default:
		return nil, errors.New("the file is not a TrueType font")
	}
	f = fpdf.New("P", "mm", "A4", "")
	f.AliasNbPages("{nb}") // before the font: fpdf keeps the alias's digits in the subset
	f.AddUTF8FontFromBytes(pdfFont, "", font)
	f.SetFont(pdfFont, "", 10) // fails when the font was not taken
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("the font cannot be used: %w", err)
	}
	return f, nil
}

// writeSummary writes the PDF summary of d on f (from newSummaryPDF).
func (s *EvidenceService) writeSummary(w io.Writer, d *exportData, f *fpdf.Fpdf) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pdf: %v", r)
		}
	}()
	t := d.t
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetAutoPageBreak(true, pdfMargin)
	f.SetTitle(pdfText(t("case.export.pdf.title")+" "+d.Case.Number), true)
	f.SetCreator("koban", true)
	f.SetCreationDate(d.At)
	f.SetModificationDate(d.At)
	f.SetFooterFunc(func() {
		f.SetY(-12)
		f.SetFont(pdfFont, "", 8)
		f.SetTextColor(90, 90, 90)
		f.CellFormat(0, 4, pdfText(t("case.export.pdf.page", "number", d.Case.Number, "page", strconv.Itoa(f.PageNo()), "total", "{nb}")),
			"", 0, "C", false, 0, "")
		f.SetTextColor(0, 0, 0)
	})
	f.AddPage()
	p := &pdfDoc{f: f, width: 210 - 2*pdfMargin}

	c := d.Case
	p.title(t("case.export.pdf.title"))
	p.text(9, t("case.export.pdf.generated", "at", d.stamp(d.At), "who", d.who(d.By.UserID)))
	p.text(9, t("case.export.pdf.bundle", "id", d.BundleID))
	p.gap()

	p.heading(t("case.export.pdf.facts"))
	members := make([]string, 0, len(c.Members))
	for _, m := range c.Members {
		members = append(members, d.who(m))
	}
	status := t("case.status." + string(c.Status))
	if c.CloseReason != "" {
		status += "（" + t("case.close."+c.CloseReason) + "）"
	}
	for _, kv := range [][2]string{
		{t("case.field.number"), c.Number},
		{t("case.field.title"), c.Title},
		{t("case.field.category"), c.Category + " " + t("category."+c.Category+".name")},
		{t("case.field.law"), t(c.Law.Key())},
		{t("case.field.severity"), t("case.severity." + string(c.Severity))},
		{t("case.field.status"), status},
		{t("case.field.owner"), d.orgName(c.OrgID)},
		{t("case.field.lead"), d.who(c.LeadID)},
		{t("case.field.members"), strings.Join(members, "、")},
		{t("case.field.created"), d.stamp(c.CreatedAt) + "（" + d.who(c.CreatedBy) + "）"},
		{t("case.field.updated"), d.stamp(c.UpdatedAt)},
	} {
		p.pair(kv[0], kv[1])
	}
	if c.Summary != "" {
		p.subheading(t("case.field.summary"))
		p.text(10, c.Summary)
	}

	p.heading(t("case.export.pdf.reports"))
	if len(d.View.Reports) == 0 {
		p.text(10, t("case.export.pdf.none"))
	}
	for _, r := range d.View.Reports {
		cat := t("category.unknown.name")
		if r.Category != "" {
			cat = r.Category + " " + t("category."+r.Category+".name")
		}
		p.text(10, t("case.export.pdf.report_line", "receipt", r.Receipt, "category", cat, "org", d.orgName(r.OrgID), "at", d.stamp(r.CreatedAt),
			"status", t("status."+r.Status)))
	}
	if d.View.HiddenReports > 0 {
		p.text(9, t("case.export.pdf.hidden", "n", strconv.Itoa(d.View.HiddenReports)))
	}

	p.heading(t("case.export.pdf.observables"))
	seen := false
	for _, r := range d.View.Reports {
		for _, o := range d.Observables[r.ReportID] {
			seen = true
			p.text(10, t("case.export.pdf.observable_line", "type", t("obs."+string(o.Type)), "value", observe.Display(o), "receipt", r.Receipt))
		}
	}
	if !seen {
		p.text(10, t("case.export.pdf.none"))
	}

	p.heading(t("case.export.pdf.timeline"))
	for _, e := range d.View.Timeline {
		p.text(9.5, d.stamp(e.At)+"　"+d.who(e.ActorID)+"　"+d.describe(e))
	}

	p.heading(t("case.export.pdf.evidence"))
	if len(d.Evidence) == 0 {
		p.text(10, t("case.export.pdf.none"))
	}
	for _, ev := range d.Evidence {
		p.keep(50)
		p.subheading(t("case.export.pdf.item", "id", strconv.FormatInt(ev.ID, 10), "name", ev.Name) + "（" + t("case.evidence.kind."+string(ev.Kind)) + "）")
		if ev.SHA256 != "" {
			p.pair(t("case.evidence.sha256"), "")
			p.mono(ev.SHA256)
			p.pair(t("case.evidence.size"), t("case.evidence.bytes", "n", groupDigits(ev.Size)))
			p.pair(t("case.export.pdf.path"), d.Paths[ev.ID])
		}
		if ev.Serial != "" {
			p.pair(t("case.evidence.serial"), ev.Serial)
		}
		if ev.Description != "" {
			p.pair(t("case.evidence.description"), ev.Description)
		}
		p.pair(t("case.evidence.collected_by"), ev.CollectedBy)
		if ev.ReceivedFrom != "" {
			p.pair(t("case.evidence.received_from"), ev.ReceivedFrom)
		}
		p.pair(t("case.evidence.collected_at"), d.stamp(ev.CollectedAt))
		p.pair(t("case.evidence.added"), d.stamp(ev.CreatedAt)+"（"+d.who(ev.AddedBy)+"）")
		where := ev.Location
		switch {
		case ev.Returned:
			where = t("case.evidence.returned_to", "party", ev.Holder)
		case ev.Holder != "":
			where = t("case.evidence.held_by", "party", ev.Holder)
		}
		if where != "" {
			p.pair(t("case.evidence.where"), where)
		}
	}

	p.heading(t("case.export.pdf.custody"))
	for _, ev := range d.Evidence {
		p.keep(20)
		p.subheading(t("case.export.pdf.item", "id", strconv.FormatInt(ev.ID, 10), "name", ev.Name))
		for _, cs := range d.Custody[ev.ID] {
			line := d.stamp(cs.At) + "　" + t("case.custody."+string(cs.Action)) + "　" + d.who(cs.ActorID)
			for _, x := range []struct{ key, v string }{{"case.custody.party", cs.Party}, {"case.custody.location", cs.Location}, {"case.custody.note", cs.Note}} {
				if x.v != "" {
					line += "　" + t(x.key) + ": " + x.v
				}
			}
			p.text(9.5, line)
			if cs.SHA256 != "" {
				p.mono("SHA-256 " + cs.SHA256)
			}
		}
	}

	p.heading(t("case.export.pdf.integrity"))
	p.text(10, t("case.export.pdf.integrity_text", "fingerprint", d.Key.SHA256, "source", t("case.export.key_source."+d.Key.Source)))
	p.mono(d.Key.SHA256)

	if err := f.Error(); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	return f.Output(w)
}

func (p *pdfDoc) title(s string) {
	p.f.SetFont(pdfFont, "", 16)
	p.lines(s, 8)
	p.f.Ln(1)
}

func (p *pdfDoc) heading(s string) {
	p.f.Ln(3)
	p.keep(25) // no heading alone at the foot of a page
	p.f.SetFont(pdfFont, "", 13)
	p.lines(s, 7)
	y := p.f.GetY()
	p.f.SetDrawColor(120, 120, 120)
	p.f.Line(pdfMargin, y, 210-pdfMargin, y)
	p.f.Ln(2)
}

func (p *pdfDoc) subheading(s string) {
	p.f.Ln(1.5)
	p.f.SetFont(pdfFont, "", 11)
	p.lines(s, 6)
}

func (p *pdfDoc) gap() { p.f.Ln(2) }

// keep starts a new page unless h mm are left on this one: a block that
// belongs together (an item's facts) is not split for a few lines.
func (p *pdfDoc) keep(h float64) {
	if p.f.GetY()+h > 297-pdfMargin {
		p.f.AddPage()
	}
}

// text writes a paragraph in the Japanese font at size pt.
func (p *pdfDoc) text(size float64, s string) {
	p.f.SetFont(pdfFont, "", size)
	p.lines(s, size*0.52)
}

// pair writes a label and its value, the value wrapped beside the label.
func (p *pdfDoc) pair(label, value string) {
	const labelWidth = 38.0
	p.f.SetFont(pdfFont, "", 10)
	lines := p.wrap(pdfText(value), p.width-labelWidth)
	for i, l := range lines {
		lab := ""
		if i == 0 {
			lab = pdfText(label)
		}
		p.f.CellFormat(labelWidth, pdfLine, lab, "", 0, "L", false, 0, "")
		p.f.CellFormat(p.width-labelWidth, pdfLine, l, "", 1, "L", false, 0, "")
	}
}

// mono writes ASCII (a SHA-256) in Courier, indented.
func (p *pdfDoc) mono(s string) {
	p.f.SetFont("Courier", "", 8.5)
	p.f.SetX(pdfMargin + 4)
	p.f.CellFormat(p.width-4, 4.5, strings.Map(func(r rune) rune {
		if r > 0x7e || r < 0x20 {
			return '?'
		}
		return r
	}, s), "", 1, "L", false, 0, "")
	p.f.SetFont(pdfFont, "", 10)
}

// lines writes s wrapped to the column, each line h mm high.
func (p *pdfDoc) lines(s string, h float64) {
	for _, l := range p.wrap(pdfText(s), p.width) {
		p.f.CellFormat(p.width, h, l, "", 1, "L", false, 0, "")
	}
}

// wrap breaks s into lines no wider than w in the current font: between
// any two Japanese characters, at spaces between words of Latin script, and
// inside a word only when it is wider than a line. Closing punctuation
// (。、）」 …) stays at the end of its line rather than begin the next.
func (p *pdfDoc) wrap(s string, w float64) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		var line strings.Builder
		width := 0.0
		flush := func() {
			out = append(out, strings.TrimRight(line.String(), " "))
			line.Reset()
			width = 0
		}
		for _, tok := range tokens(para) {
			tw := p.f.GetStringWidth(tok)
			switch {
			case tok == " " && line.Len() == 0:
				// no space at the start of a line
			case width+tw <= w, line.Len() > 0 && hangs(tok):
				line.WriteString(tok)
				width += tw
			case tok == " ":
				flush()
			case tw <= w:
				flush()
				line.WriteString(tok)
				width = tw
			default: // a word wider than a line: cut it
				for _, r := range tok {
					rw := p.f.GetStringWidth(string(r))
					if width+rw > w && line.Len() > 0 {
						flush()
					}
					line.WriteRune(r)
					width += rw
				}
			}
		}
		flush()
	}
	return out
}

// tokens splits text into what may not be broken: a word of Latin script
// or digits, one space, or one other character (Japanese breaks between
// any two).
func tokens(s string) []string {
	var out []string
	word := -1
	for i, r := range s {
		latin := r < 0x2e80 && !unicode.IsSpace(r)
		if latin {
			if word < 0 {
				word = i
			}
			continue
		}
		if word >= 0 {
			out = append(out, s[word:i])
			word = -1
		}
		out = append(out, string(r))
	}
	if word >= 0 {
		out = append(out, s[word:])
	}
	return out
}

// hangs tells a token that must not begin a line (Japanese kinsoku).
func hangs(tok string) bool {
	return strings.Contains("。、，．）」』】〕・ー？！：；", tok) && tok != ""
}

// pdfText keeps what the PDF can show: characters of the Basic
// Multilingual Plane (fpdf indexes glyph widths by a 16-bit table; others
// stop the document) and no control characters but newlines.
func pdfText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r > 0xffff:
			return '〓' // the geta mark: a character that cannot be set
		case unicode.IsControl(r) || r == 0xfeff:
			return -1
		}
		return r
	}, strings.ReplaceAll(s, "\r\n", "\n"))
}

func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
