// Package llm is koban's optional large language model (issue 18, item 4):
// a client for an OpenAI-compatible Chat Completions endpoint — a local
// vLLM or Ollama the police run — for four uses: Classify (a taxonomy
// category and the reason), Summarise (a case summary for a supervisor,
// at most 1,000 characters), Translate (a report in another language into
// Japanese) and ExplainStrings (what a malware sample's strings suggest).
// Like internal/triage it suggests; an officer decides.
//
// # Off by default, and never the only way
//
// New with no Endpoint returns a nil *Client: the LLM is off, Enabled is
// false and every call returns ErrUnavailable. A caller treats
// ErrUnavailable, and any other error, the same way: it falls back to the
// local model of internal/triage (for a category), or to nothing (the
// other uses have no local equivalent and are simply not offered). No
// page or job may wait on the LLM to do its work.
//
// # What leaves koban
//
//   - Only to the endpoint, whose host must be in Options.Allow (New
//     refuses it otherwise), through the HTTP client given — koban's egress
//     client in production, whose own allow list must name the endpoint's
//     address when it is on a private network.
//   - Only records at or below Options.MaxTLP: AMBER by default, AMBER+STRICT
//     when the operator sets it (an endpoint inside the organisation), RED
//     never (New refuses it; a RED record returns ErrTLP). An unknown level
//     counts as RED. The check is made before anything is sent.
//   - Only text, masked: the methods take the text of a record and nothing
//     else, so a reporter's contact details (stored in their own fields)
//     are never passed; in the text, every phone number and e-mail address
//     that observe.Extract finds is replaced by a placeholder ([電話番号1],
//     [メール1]) before the request is built. Personal names cannot be found
//     by a rule: the caller masks those it knows (the reporter's, the
//     victim's) with MaskNames before the call. At most MaxText bytes are
//     sent.
//
// # What is believed
//
// Nothing without checking. Each use sends a JSON schema
// (response_format json_schema, strict) and temperature 0; the answer's
// content is decoded with unknown fields refused and nothing allowed after
// it, then its values are checked (a category among those offered, a
// summary no longer than 1,000 characters, no empty field). Anything else
// is ErrBadAnswer, and the answer is dropped. The system prompts, in
// Japanese, tell the model that the text is material, not instructions;
// the checks, not the prompt, are what protect koban from a report that
// tries to give the model orders.
//
// # When the endpoint fails
//
// Each call has a time limit (Options.Timeout, 10 s by default). A circuit
// breaker counts failures in a row — a time-out, a refused connection, a
// status other than 200, a bad answer; not a call the caller cancelled —
// and after Breaker.Failures (3) stops calling for Breaker.CoolDown (1
// min): calls return ErrUnavailable at once, so a dead endpoint costs the
// callers nothing. After the cool-down one trial call goes through; its
// success closes the breaker, its failure opens it for another cool-down.
//
// # What is logged
//
// One line a call: the model, the use, the SHA-256 of the request body
// (which holds the prompt), the duration and the outcome (ok, bad_answer,
// timeout, error, cancelled), and for a failure the error, which names a
// status or a network condition and never the text. The prompt and the
// text are never logged; the hash lets an auditor match a call with the
// endpoint's own records.
//
// # Masking
//
// observe.Extract says which phone numbers and addresses a text holds, in
// canonical form, but not where, and the text may write them in full-width
// digits, kanji numerals or defanged ("taro[at]example[.]jp"). Rather than
// a second set of patterns that would drift from observe's, Mask finds each
// occurrence by asking Extract about pieces of the text (bisection from a
// cursor), then checks the result with Extract and masks again if anything
// is left; should a text still hold one after three rounds, the whole text
// is replaced by [非表示]. FuzzMask holds it to its promise: the output has
// no phone number or e-mail address that Extract finds.
package llm
