// Package taxonomy is koban's triage taxonomy: the stable codes a citizen's
// report is filed under, and how each code maps onto the ENISA Reference
// Security Incident Taxonomy (RSIT), X-ARF v4 and the law buckets of the
// National Police Agency's annual statistics.
//
// The display text for each code (name, help, first advice) lives in the
// locale catalogs under the keys returned by Code's Key methods.
package taxonomy

// Code is a stable category identifier from the triage taxonomy.
type Code string

// The codes, in the order of the brief. They are stored in the database and
// exchanged with other systems, so they never change meaning.
const (
	UA Code = "UA" // unauthorised access: account takeover, illicit transfers, intrusion
	MW Code = "MW" // ransomware, infostealer, malicious app
	AV Code = "AV" // DDoS and other attacks on availability
	DL Code = "DL" // data leak
	PH Code = "PH" // phishing by e-mail, SMS, voice or fake site
	FR Code = "FR" // fraud: investment, romance, fake shop, tech support, BEC, crypto …
	HR Code = "HR" // defamation, threats, stalking, intimate images, sextortion
	CS Code = "CS" // child sexual abuse material or solicitation
	IL Code = "IL" // illegal information (Internet Hotline Center types)
	SC Code = "SC" // information closely linked to serious crime
	SU Code = "SU" // suicide inducement
	CI Code = "CI" // crime infrastructure: domains, hosting, accounts, SIMs, wallets
	SP Code = "SP" // spam
	OT Code = "OT" // other
)

// LawBucket is the NPA annual-report grouping used for statistics.
type LawBucket string

// The three buckets of the NPA annual report.
const (
	LawUnauthorizedAccess LawBucket = "unauthorized_access" // 不正アクセス禁止法違反
	LawComputerCrime      LawBucket = "computer_crime"      // コンピュータ・電磁的記録対象犯罪
	LawOther              LawBucket = "other"               // その他
)

// Category describes one code.
type Category struct {
	Code Code
	// RSIT is the ENISA Reference Security Incident Taxonomy "class/type",
	// e.g. "fraud/phishing".
	RSIT string
	// XARF is the X-ARF v4 category, e.g. "content".
	XARF string
	// XARFType is the X-ARF v4 type when one fits, e.g. "phishing". When it
	// is empty no v4 type describes the code, and a report cannot be sent as
	// X-ARF until an analyst picks a type.
	XARFType string
	// Law is the statistics bucket a report of this code counts under until
	// an investigation says otherwise.
	Law LawBucket
	// LifeSafety marks codes that are always a threat to life and are
	// escalated at once. Only SU is; an HR report is escalated only when its
	// wording shows a threat to life, which is judged elsewhere.
	LifeSafety bool
}

// categories is the taxonomy in the brief's order.
//
// Where RSIT and X-ARF look at a case from different sides the choice
// follows what each is used for: RSIT records what happened to the victim,
// X-ARF what can be sent to a network operator for action.
var categories = []Category{
	// Most reports are account takeovers with stolen or guessed credentials;
	// the login source is what an operator can act on.
	{Code: UA, RSIT: "intrusions/unprivileged-account-compromise", XARF: "connection", XARFType: "login_attack", Law: LawUnauthorizedAccess},
	// The victim's device is infected; the sample or download URL is what
	// is passed on.
	{Code: MW, RSIT: "malicious-code/infected-system", XARF: "content", XARFType: "malware", Law: LawComputerCrime},
	{Code: AV, RSIT: "availability/ddos", XARF: "connection", XARFType: "ddos", Law: LawComputerCrime},
	// DL counts under "other", not "computer_crime". None of the offences in
	// the NPA's computer-crime group (電子計算機使用詐欺, 電磁的記録不正作出・
	// 毀棄, 電子計算機損壊等業務妨害, 不正指令電磁的記録) is the disclosure
	// itself. When the cause is known the report is filed as UA (intrusion)
	// or MW (ransomware, infostealer); what is left of a bare leak is charged,
	// if at all, under laws such as 不正競争防止法 (trade secrets) or
	// 個人情報保護法, which the annual report counts as "other".
	{Code: DL, RSIT: "information-content-security/data-leak", XARF: "content", XARFType: "exposed_data", Law: LawOther},
	{Code: PH, RSIT: "fraud/phishing", XARF: "content", XARFType: "phishing", Law: LawOther},
	// RSIT has no generic fraud type; the scams in FR (romance, fake shop,
	// tech support, BEC) all work by pretending to be someone else.
	{Code: FR, RSIT: "fraud/masquerade", XARF: "content", XARFType: "fraud", Law: LawOther},
	// No X-ARF v4 type covers harassment of adults (csem's sextortion is for
	// children only).
	{Code: HR, RSIT: "abusive-content/harmful-speech", XARF: "content", Law: LawOther},
	// Only the hash and URL of the material are ever kept or sent, never the
	// content itself.
	{Code: CS, RSIT: "abusive-content/violence", XARF: "content", XARFType: "csam", Law: LawOther},
	// IL mixes obscenity, drugs, account and phone trading, ID resale and
	// job-scam recruitment; no single RSIT or X-ARF type fits them all.
	{Code: IL, RSIT: "other/other", XARF: "content", Law: LawOther},
	// Solicitation of murder, robbery and the like, and weapon or explosive
	// recipes are closest to RSIT's "glorification of violence"; so is
	// urging people to kill themselves.
	{Code: SC, RSIT: "abusive-content/violence", XARF: "content", Law: LawOther},
	{Code: SU, RSIT: "abusive-content/violence", XARF: "content", Law: LawOther, LifeSafety: true},
	// Crime infrastructure is exchanged as indicators, not as an incident.
	{Code: CI, RSIT: "other/other", XARF: "reputation", XARFType: "threat_intelligence", Law: LawOther},
	{Code: SP, RSIT: "abusive-content/spam", XARF: "messaging", XARFType: "spam", Law: LawOther},
	// OT is the citizen saying "none of these"; web content is the most
	// likely subject, so it carries the content category without a type.
	{Code: OT, RSIT: "other/other", XARF: "content", Law: LawOther},
}

var byCode = func() map[string]Category {
	m := make(map[string]Category, len(categories))
	for _, c := range categories {
		m[string(c.Code)] = c
	}
	return m
}()

// All returns every category in the brief's order. The slice is a copy.
func All() []Category {
	out := make([]Category, len(categories))
	copy(out, categories)
	return out
}

// Lookup returns the category for an exact, upper-case code.
func Lookup(c string) (Category, bool) {
	cat, ok := byCode[c]
	return cat, ok
}

// Valid reports whether c is an exact, upper-case code of the taxonomy.
func Valid(c string) bool {
	_, ok := byCode[c]
	return ok
}

// NameKey is the locale key of the code's short name.
func (c Code) NameKey() string { return "category." + string(c) + ".name" }

// HelpKey is the locale key of the text that helps a citizen choose the code.
func (c Code) HelpKey() string { return "category." + string(c) + ".help" }

// AdviceTitleKey is the locale key of the heading of the code's first advice.
func (c Code) AdviceTitleKey() string { return "advice." + string(c) + ".title" }

// AdviceStepsKey is the locale key of the code's first-advice steps, one step
// a line.
func (c Code) AdviceStepsKey() string { return "advice." + string(c) + ".steps" }

// Key is the locale key of the bucket's name.
func (b LawBucket) Key() string { return "law." + string(b) }
