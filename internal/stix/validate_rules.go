package stix

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// common checks the properties every object may have.
func (v *validation) common() {
	o := v.o
	created, cok := v.timestamp("created")
	modified, mok := v.timestamp("modified")
	if cok && created.Fraction() < 3 && o.Category() != SCO {
		v.add("created", CodePrecision, "value", created.String())
	}
	if mok && modified.Fraction() < 3 {
		v.add("modified", CodePrecision, "value", modified.String())
	}
	if cok && mok && modified.Before(created.Time) {
		v.add("modified", CodeModifiedBefore, "modified", modified.String(), "created", created.String())
	}
	for _, name := range []string{"revoked", "defanged"} {
		v.boolean(name)
	}
	v.stringList("labels")
	if raw, ok := o.Get("confidence"); ok {
		if n, err := strconv.Atoi(string(raw)); err != nil || n < 0 || n > 100 {
			v.add("confidence", CodeConfidence, "value", short(string(raw)))
		}
	}
	if raw, ok := o.Get("lang"); ok {
		if s, ok := unquote(raw); !ok || !langTag.MatchString(s) {
			v.add("lang", CodeLang, "value", short(string(raw)))
		}
	}
	v.externalReferences()
	v.granularMarkings()
	v.extensions()
}

// langTag is the shape of an RFC 5646 tag: a primary subtag and
// subtags of letters and digits.
var langTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

// timestamp returns a timestamp property that walk found valid.
func (v *validation) timestamp(name string) (Timestamp, bool) { return v.o.Time(name) }

func (v *validation) boolean(name string) (bool, bool) {
	raw, ok := v.o.Get(name)
	if !ok {
		return false, false
	}
	switch string(raw) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	v.add(name, CodePropType, "want", "true or false")
	return false, false
}

// stringList checks a list of strings and returns it (walk has checked
// that it is not empty).
func (v *validation) stringList(name string) []string {
	raw, ok := v.o.Get(name)
	if !ok {
		return nil
	}
	var out []string
	bad := false
	good := eachItem(raw, func(_ int, it []byte) {
		s, ok := unquote(it)
		bad = bad || !ok
		out = append(out, s)
	})
	if !good || bad {
		v.add(name, CodePropType, "want", "a list of strings")
		return nil
	}
	return out
}

func (v *validation) str(name string) (string, bool) {
	raw, ok := v.o.Get(name)
	if !ok {
		return "", false
	}
	s, ok := unquote(raw)
	if !ok {
		v.add(name, CodePropType, "want", "a string")
	}
	return s, ok
}

// integer checks an integer property in [min, max].
func (v *validation) integer(name string, min, max int64) {
	raw, ok := v.o.Get(name)
	if !ok {
		return
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		v.add(name, CodePropType, "want", "an integer")
		return
	}
	if n < min || n > max {
		v.add(name, CodeRange, "value", string(raw), "min", strconv.FormatInt(min, 10), "max", strconv.FormatInt(max, 10))
	}
}

// number checks a number property in [min, max].
func (v *validation) number(name string, min, max float64) {
	raw, ok := v.o.Get(name)
	if !ok {
		return
	}
	n, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		v.add(name, CodePropType, "want", "a number")
		return
	}
	if n < min || n > max {
		v.add(name, CodeRange, "value", string(raw), "min", strconv.FormatFloat(min, 'g', -1, 64), "max", strconv.FormatFloat(max, 'g', -1, 64))
	}
}

// order checks that property later is not before earlier (strict: later
// must be after it).
func (v *validation) order(earlier, later string, strict bool) {
	a, aok := v.o.Time(earlier)
	b, bok := v.o.Time(later)
	if !aok || !bok || b.After(a.Time) || !strict && b.Equal(a.Time) {
		return
	}
	if earlier == "valid_from" {
		v.add(later, CodeValidUntil, "valid_until", b.String(), "valid_from", a.String())
		return
	}
	v.add(later, CodeTimeOrder, "later", later, "later_value", b.String(), "earlier", earlier, "earlier_value", a.String())
}

func (v *validation) enum(path, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.add(path, CodeEnum, "value", value, "allowed", strings.Join(allowed, ", "))
}

// oneOf requires at least one of names.
func (v *validation) oneOf(names ...string) bool {
	for _, n := range names {
		if v.o.Has(n) {
			return true
		}
	}
	v.add("", CodeOneOf, "names", strings.Join(names, ", "))
	return false
}

var (
	capecID = regexp.MustCompile(`^CAPEC-\d+$`)
	cveID   = regexp.MustCompile(`^CVE-\d{4}-(0\d{3}|[1-9]\d{3,})$`)
)

func (v *validation) externalReferences() {
	raw, ok := v.o.Get("external_references")
	if !ok {
		return
	}
	items, ok := splitArray(raw)
	if !ok {
		v.add("external_references", CodePropType, "want", "a list of external references")
		return
	}
	for i, it := range items {
		path := fmt.Sprintf("external_references[%d]", i)
		var ref struct {
			SourceName  *string `json:"source_name"`
			Description *string `json:"description"`
			URL         *string `json:"url"`
			ExternalID  *string `json:"external_id"`
		}
		if json.Unmarshal(it, &ref) != nil {
			v.add(path, CodePropType, "want", "an external reference (an object of strings)")
			continue
		}
		if ref.SourceName == nil {
			v.add(path+".source_name", CodeRequired, "name", "source_name")
			continue
		}
		if ref.Description == nil && ref.URL == nil && ref.ExternalID == nil {
			v.add(path, CodeExternalRefEmpty)
		}
		id := ""
		if ref.ExternalID != nil {
			id = *ref.ExternalID
		}
		switch *ref.SourceName {
		case "capec":
			if !capecID.MatchString(id) {
				v.add(path+".external_id", CodeExternalRefCAPEC, "value", id)
			}
		case "cve":
			if !cveID.MatchString(id) {
				v.add(path+".external_id", CodeExternalRefCVE, "value", id)
			}
		}
	}
}

var selectorSyntax = regexp.MustCompile(`^([a-z0-9_-]{3,249}(\.(\[\d+\]|[a-z0-9_-]{1,250}))*|id)$`)

func (v *validation) granularMarkings() {
	raw, ok := v.o.Get("granular_markings")
	if !ok {
		return
	}
	items, ok := splitArray(raw)
	if !ok {
		v.add("granular_markings", CodePropType, "want", "a list of granular markings")
		return
	}
	for i, it := range items {
		path := fmt.Sprintf("granular_markings[%d]", i)
		var gm struct {
			Lang       *string  `json:"lang"`
			MarkingRef *string  `json:"marking_ref"`
			Selectors  []string `json:"selectors"`
		}
		if json.Unmarshal(it, &gm) != nil {
			v.add(path, CodePropType, "want", "a granular marking (selectors, and marking_ref or lang)")
			continue
		}
		if (gm.Lang == nil) == (gm.MarkingRef == nil) {
			v.add(path, CodeMarkingRefOrLang)
		}
		if len(gm.Selectors) == 0 {
			v.add(path+".selectors", CodeRequired, "name", "selectors")
		}
		for j, sel := range gm.Selectors {
			if !selectorSyntax.MatchString(sel) || !v.selects(sel) {
				v.add(fmt.Sprintf("%s.selectors[%d]", path, j), CodeMarkingSelector, "value", sel)
			}
		}
	}
}

// selects reports whether a selector ("description", "kill_chain_phases.[0].phase_name")
// points to a property of the object.
func (v *validation) selects(sel string) bool {
	parts := strings.Split(sel, ".")
	raw, ok := v.o.Get(parts[0])
	if !ok {
		return false
	}
	for _, p := range parts[1:] {
		if strings.HasPrefix(p, "[") {
			n, err := strconv.Atoi(p[1 : len(p)-1])
			items, ok := splitArray(raw)
			if err != nil || !ok || n < 0 || n >= len(items) {
				return false
			}
			raw = items[n]
			continue
		}
		if raw[0] != '{' {
			return false
		}
		props, err := parseObject(raw)
		if err != nil {
			return false
		}
		found := false
		for _, q := range props {
			if q.name == p {
				raw, found = q.raw, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// predefinedExtensions are the SCO extensions the spec defines.
var predefinedExtensions = map[string]bool{
	"archive-ext": true, "ntfs-ext": true, "pdf-ext": true, "raster-image-ext": true, "windows-pebinary-ext": true,
	"http-request-ext": true, "icmp-ext": true, "socket-ext": true, "tcp-ext": true, "unix-account-ext": true,
	"windows-process-ext": true, "windows-service-ext": true,
}

var extensionTypes = []string{"new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"}

func (v *validation) extensions() {
	raw, ok := v.o.Get("extensions")
	if !ok {
		return
	}
	props, err := parseObject(raw)
	if err != nil {
		v.add("extensions", CodePropType, "want", "a dictionary of extensions")
		return
	}
	for _, p := range props {
		path := "extensions." + p.name
		isDef := strings.HasPrefix(p.name, "extension-definition--")
		switch {
		case isDef && !IsID(p.name):
			v.add(path, CodeExtensionName, "name", p.name)
		case !isDef && !predefinedExtensions[p.name] && !(strings.HasSuffix(p.name, "-ext") && validTypeName(p.name)):
			v.add(path, CodeExtensionName, "name", p.name)
		}
		if p.raw[0] != '{' {
			v.add(path, CodePropType, "want", "an object")
			continue
		}
		var ext struct {
			Type *string `json:"extension_type"`
		}
		if json.Unmarshal(p.raw, &ext) == nil && ext.Type != nil {
			v.enum(path+".extension_type", *ext.Type, extensionTypes...)
		}
		v.predefinedExtension(path, p.name, p.raw)
	}
}

// predefinedExtension checks the enumerations of the spec's extensions.
func (v *validation) predefinedExtension(path, name string, raw json.RawMessage) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	check := func(prop string, allowed ...string) {
		if r, ok := m[prop]; ok {
			if s, ok := unquote(r); ok {
				v.enum(path+"."+prop, s, allowed...)
			}
		}
	}
	switch name {
	case "socket-ext":
		check("address_family", "AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6", "AF_IRDA", "AF_BTH")
		check("socket_type", "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET")
	case "windows-process-ext":
		check("integrity_level", "low", "medium", "high", "system")
	case "windows-service-ext":
		check("start_type", "SERVICE_AUTO_START", "SERVICE_BOOT_START", "SERVICE_DEMAND_START", "SERVICE_DISABLED", "SERVICE_SYSTEM_ALERT")
		check("service_type", "SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_WIN32_OWN_PROCESS", "SERVICE_WIN32_SHARE_PROCESS")
		check("service_status", "SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED", "SERVICE_RUNNING", "SERVICE_START_PENDING", "SERVICE_STOP_PENDING", "SERVICE_STOPPED")
	}
}

var registryTypes = []string{"REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
	"REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTION",
	"REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD", "REG_INVALID_TYPE"}

// commonSCO are the properties that do not count as an SCO's content.
var commonSCO = map[string]bool{"type": true, "id": true, "spec_version": true, "object_marking_refs": true, "granular_markings": true, "defanged": true}

var macAddr = regexp.MustCompile(`^([0-9a-f]{2}:){5}[0-9a-f]{2}$`)

// byType checks the rules of each type.
func (v *validation) byType(typ string) {
	o := v.o
	switch typ {
	case "indicator":
		v.order("valid_from", "valid_until", true)
		v.stringList("indicator_types")
		pt, ok1 := v.str("pattern_type")
		p, ok2 := v.str("pattern")
		if ok1 && ok2 && PatternCheck != nil {
			if err := PatternCheck(pt, p); err != nil {
				v.add("pattern", CodePattern, "pattern_type", pt, "detail", err.Error())
			}
		}
	case "relationship":
		v.str("relationship_type")
		v.order("start_time", "stop_time", true)
	case "sighting":
		v.integer("count", 0, 999999999)
		v.order("first_seen", "last_seen", false)
	case "observed-data":
		v.integer("number_observed", 1, 999999999)
		v.order("first_observed", "last_observed", false)
		if o.Has("objects") && o.Has("object_refs") {
			v.add("", CodeExclusive, "names", "objects, object_refs")
		} else {
			v.oneOf("object_refs", "objects")
		}
	case "campaign", "intrusion-set", "threat-actor", "infrastructure", "malware":
		v.order("first_seen", "last_seen", false)
		if typ == "malware" {
			if fam, ok := v.boolean("is_family"); ok && fam && !o.Has("name") {
				v.add("name", CodeRequired, "name", "name")
			}
		}
	case "malware-analysis":
		v.oneOf("result", "analysis_sco_refs")
		v.order("analysis_started", "analysis_ended", false)
	case "opinion":
		if s, ok := v.str("opinion"); ok {
			v.enum("opinion", s, "strongly-disagree", "disagree", "neutral", "agree", "strongly-agree")
		}
	case "location":
		if v.oneOf("region", "country", "latitude") {
			if o.Has("latitude") != o.Has("longitude") {
				v.add("", CodeTogether, "names", "latitude, longitude")
			}
			if o.Has("precision") && !o.Has("latitude") {
				v.add("precision", CodeRequired, "name", "latitude")
			}
		}
		v.number("latitude", -90, 90)
		v.number("longitude", -180, 180)
	case "marking-definition":
		v.marking()
	case "extension-definition":
		for _, t := range v.stringList("extension_types") {
			v.enum("extension_types", t, extensionTypes...)
			if t == "toplevel-property-extension" && !o.Has("extension_properties") {
				v.add("extension_properties", CodeRequired, "name", "extension_properties")
			}
		}
	case "language-content":
		if raw, ok := o.Get("contents"); ok && raw[0] != '{' {
			v.add("contents", CodePropType, "want", "a dictionary by language")
		}
	case "artifact":
		hasBin, hasURL := o.Has("payload_bin"), o.Has("url")
		if hasBin == hasURL {
			v.add("", CodeArtifactPayload)
		}
		if hasURL && !o.Has("hashes") {
			v.add("hashes", CodeArtifactURLHashes)
		}
		if s, ok := o.String("encryption_algorithm"); ok {
			v.enum("encryption_algorithm", s, "AES-256-GCM", "ChaCha20Poly1305", "mime-type-indicated")
		}
		if o.Has("decryption_key") && !o.Has("encryption_algorithm") {
			v.add("encryption_algorithm", CodeRequired, "name", "encryption_algorithm")
		}
	case "autonomous-system":
		v.integer("number", 0, 1<<32-1)
	case "file":
		v.oneOf("hashes", "name")
		v.integer("size", 0, 1<<63-1)
	case "network-traffic":
		v.oneOf("src_ref", "dst_ref")
		v.stringList("protocols")
		v.integer("src_port", 0, 65535)
		v.integer("dst_port", 0, 65535)
		v.order("start", "end", false)
	case "email-message":
		if mp, ok := v.boolean("is_multipart"); ok {
			if mp && o.Has("body") || !mp && o.Has("body_multipart") {
				v.add("", CodeEmailMultipart)
			}
		}
	case "process", "user-account", "windows-registry-key", "x509-certificate":
		content := false
		for _, p := range o.props {
			if !commonSCO[p.name] {
				content = true
			}
		}
		if !content {
			v.add("", CodeSCOEmpty, "type", typ)
		}
		if typ == "windows-registry-key" {
			var vals []struct {
				DataType *string `json:"data_type"`
			}
			if raw, ok := o.Get("values"); ok && json.Unmarshal(raw, &vals) == nil {
				for i, x := range vals {
					if x.DataType != nil {
						v.enum(fmt.Sprintf("values[%d].data_type", i), *x.DataType, registryTypes...)
					}
				}
			}
		}
	case BankAccountType, PhoneNumberType, CryptoWalletType:
		v.validateKoban(o)
	}
	v.scoValue(typ)
}

// scoValue checks the value of the address-like SCOs.
func (v *validation) scoValue(typ string) {
	raw, ok := v.o.Get("value")
	if !ok || CategoryOf(typ) != SCO {
		return
	}
	s, ok := unquote(raw)
	if !ok {
		v.add("value", CodePropType, "want", "a string")
		return
	}
	good := true
	switch typ {
	case "ipv4-addr":
		good = validAddr(s, true)
	case "ipv6-addr":
		good = validAddr(s, false)
	case "mac-addr":
		good = macAddr.MatchString(s)
	case "email-addr":
		at := strings.LastIndexByte(s, '@')
		good = at > 0 && at < len(s)-1
	case "url":
		u, err := url.Parse(s)
		good = err == nil && u.Scheme != ""
	case "domain-name":
		good = s != "" && !strings.ContainsAny(s, " /@")
	default:
		return
	}
	if !good {
		v.add("value", CodeSCOValue, "value", short(s), "type", typ)
	}
}

// validAddr accepts an address or a CIDR block of the family.
func validAddr(s string, v4 bool) bool {
	var a netip.Addr
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return false
		}
		a = p.Addr()
	} else {
		var err error
		if a, err = netip.ParseAddr(s); err != nil {
			return false
		}
	}
	return a.Is4() == v4 && a.Zone() == ""
}

// marking checks a marking definition: a definition or an extension, and
// the fixed TLP markings as published.
func (v *validation) marking() {
	o := v.o
	dt, hasDT := o.String("definition_type")
	_, hasDef := o.Get("definition")
	if !o.Has("extensions") && !(hasDT && hasDef) {
		v.add("", CodeMarkingDefinition)
	}
	if hasDT && !hasDef {
		v.add("definition", CodeRequired, "name", "definition")
	}
	switch dt {
	case "statement":
		if _, ok := Statement(o); !ok {
			v.add("definition.statement", CodeRequired, "name", "statement")
		}
	case "tlp":
		raw, _ := o.Get("definition")
		var def struct {
			TLP string `json:"tlp"`
		}
		if json.Unmarshal(raw, &def) != nil || def.TLP == "" {
			v.add("definition.tlp", CodeRequired, "name", "tlp")
		}
	}
	want, fixed := tlpByID[o.ID()]
	if !fixed {
		return
	}
	got, ok := MarkingLevel(o)
	if !ok || got != want {
		v.add("", CodeMarkingTLP, "id", o.ID(), "level", want.Label())
	}
}
