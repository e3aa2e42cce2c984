package xarf

import (
	"slices"

	"github.com/koban-project/koban/internal/taxonomy"
)

// Version is the X-ARF version koban writes.
const Version = "4.2.0"

// Kind is a takedown koban sends as X-ARF: each is one category and type
// of the specification.
type Kind string

// The kinds of takedown.
const (
	// Phishing: a page that imitates a bank, shop or service to take
	// credentials or card numbers (content/phishing).
	Phishing Kind = "phishing"
	// Malware: a URL that hands out malicious software (content/malware).
	Malware Kind = "malware"
	// Fraud: a scam site — fake shop, investment or romance scam, fake
	// support (content/fraud).
	Fraud Kind = "fraud"
	// Spam: unsolicited messages, by mail or SMS, from a source the
	// operator can stop (messaging/spam).
	Spam Kind = "spam"
)

// Kinds lists the kinds in a fixed order.
var Kinds = []Kind{Phishing, Malware, Fraud, Spam}

// Category returns the X-ARF category and type of a kind.
func (k Kind) Category() (category, typ string) {
	switch k {
	case Phishing:
		return "content", "phishing"
	case Malware:
		return "content", "malware"
	case Fraud:
		return "content", "fraud"
	case Spam:
		return "messaging", "spam"
	}
	return "", ""
}

// content tells whether the kind reports web content (a URL is required).
func (k Kind) content() bool { c, _ := k.Category(); return c == "content" }

// ForCategory returns the kind of takedown for a triage category, when the
// category has one: its X-ARF mapping in the taxonomy names one of koban's
// kinds.
func ForCategory(code taxonomy.Code) (Kind, bool) {
	c, ok := taxonomy.Lookup(string(code))
	if !ok {
		return "", false
	}
	for _, k := range Kinds {
		if cat, typ := k.Category(); cat == c.XARF && typ == c.XARFType {
			return k, true
		}
	}
	return "", false
}

// The values the specification allows for the enumerated fields koban
// writes (schemas/v4/types/*.json).
var (
	lureTypes = []string{"account_suspension", "security_alert", "payment_issue", "prize_notification",
		"document_share", "password_reset", "shipping_notification", "tax_refund", "other"}
	fraudTypes = []string{"investment", "romance", "tech_support", "lottery", "advance_fee", "cryptocurrency",
		"shopping", "charity", "employment", "government_impersonation", "other"}
	paymentMethods = []string{"credit_card", "bank_transfer", "cryptocurrency", "gift_cards", "wire_transfer",
		"paypal", "western_union", "moneygram", "cashapp", "venmo", "other"}
	malwareTypes = []string{"trojan", "ransomware", "dropper", "loader", "backdoor", "rootkit", "infostealer",
		"banking_trojan", "cryptominer", "adware", "spyware", "worm", "bot", "rat", "other"}
	distributionMethods = []string{"direct_download", "drive_by_download", "email_attachment", "malvertising",
		"exploit_kit", "watering_hole", "supply_chain", "social_engineering", "other"}
	spamProtocols = []string{"smtp", "sms", "whatsapp", "telegram", "signal", "chat", "social_media",
		"push_notification", "other"}
	// spamEvidenceSources is messaging-spam's enumeration; the other types
	// leave evidence_source free, and koban writes one of contentEvidenceSources.
	spamEvidenceSources    = []string{"spamtrap", "user_complaint", "automated_filter", "honeypot", "content_analysis", "reputation_feed"}
	contentEvidenceSources = []string{"user_report", "user_complaint", "crawler", "automated_scan", "researcher_analysis", "threat_intelligence", "honeypot"}
)

// categoryTypes is the master schema's table of category and type pairs,
// used by Parse to tell a report of an unknown type.
var categoryTypes = map[string][]string{
	"messaging":      {"spam", "bulk_messaging"},
	"connection":     {"login_attack", "port_scan", "ddos", "infected_host", "reconnaissance", "scraping", "sql_injection", "vulnerability_scan"},
	"vulnerability":  {"cve", "open_service", "misconfiguration"},
	"reputation":     {"blocklist", "threat_intelligence"},
	"infrastructure": {"botnet", "compromised_server"},
	"copyright":      {"copyright", "p2p", "cyberlocker", "ugc_platform", "link_site", "usenet"},
	"content":        {"phishing", "malware", "csam", "csem", "exposed_data", "fraud", "brand_infringement", "remote_compromise", "suspicious_registration"},
}

func knownType(category, typ string) bool {
	return slices.Contains(categoryTypes[category], typ)
}

// FraudTypes lists the fraud types the specification allows.
func FraudTypes() []string { return slices.Clone(fraudTypes) }
