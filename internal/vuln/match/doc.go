// Package match matches an asset's CPE name against NVD configurations
// (nodes of CPE criteria joined by AND/OR, negated or not, each criterion
// vulnerable or a platform, with version bounds) and says how: exact,
// version-range or vendor-product-only, with a confidence.
//
// koban's decisions where the specifications leave it open (also in
// docs/vuln-matching.md, and held by TestRangeCases):
//
//   - An attribute the criterion names and the asset's CPE leaves ANY
//     (NISTIR 7696 SUBSET: update=rc1 against an asset whose update is not
//     known; target_sw=wordpress) is a Yes with that attribute as a
//     condition, confidence low.
//   - A criterion whose version is NA ("-", NVD's device without version)
//     matches a versioned asset of the same product as vendor-product-only,
//     low; NISTIR 7696 would call it DISJOINT, which would drop hardware.
//   - AND configurations: the asset must meet a vulnerable criterion
//     itself; criteria for other products are its platform. With the
//     platform unknown (Match) they become conditions, "runs on …", of a
//     low Yes (the cases' "possible"); with the platform known (MatchOn)
//     they must hold of it, else No.
//   - Negated nodes are evaluated, three-valued: NOT no is yes, NOT yes is
//     no, NOT a conditional yes is unknown. Nothing is skipped.
//   - A CVE without configurations (NVD backlog) is Unknown; the caller
//     may fall back on CVE 5 "affected" with MatchVendorProduct (low).
//   - A version or bound the scheme cannot read gives Unknown, never Yes.
//     The scheme comes from version.Guess.
package match
