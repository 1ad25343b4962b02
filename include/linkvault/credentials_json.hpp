// Credential sets as JSON text: the form they take at the C ABI and in the
// Python bindings (a JSON object of string values), for hosts and bindings
// that carry credentials as text.
//
// Every byte of a value stays in secure memory (SecretBytes): the writer
// writes straight into it, and the parser copies the text into it and
// unescapes keys and values into it itself, so no std::string or freed block
// ever holds a credential value. Pure functions; thread-safe.
#pragma once

#include "linkvault/secret.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace linkvault {

// Largest JSON text parse_credentials_json() accepts: 64 fields of 64 KiB
// each, even fully \u-escaped, fit well below it.
inline constexpr std::size_t max_credentials_json_bytes = 32 * 1024 * 1024;

// A JSON object whose values are all strings, e.g. {"bot_token":"xoxb-..."}.
// Error(INVALID_ARGUMENT) when the text is not valid JSON or UTF-8, not an
// object, repeats a key, is larger than max_credentials_json_bytes, or has a
// value that is not a string (the message names that field). The fields are
// not checked against any provider: the vault does that when they are stored.
Credentials parse_credentials_json(std::string_view json);

// The same JSON object, keys in name order, written into secure memory.
// Error(INVALID_ARGUMENT) naming the field when a name or value is not valid
// UTF-8 (stored credentials never have one).
SecretBytes credentials_to_json(const Credentials& credentials);

// Building blocks for other JSON that carries secrets (OAuth token answers):
//
// The body of a JSON string literal (the text between its quotes),
// unescaped and appended to `out`, in secure memory. False on a bad escape,
// a lone surrogate or a raw control character. UTF-8 is not checked.
bool unescape_json_string(std::string_view body, SecretBytes& out);

// nullopt when `json` is well-formed JSON (RFC 8259's grammar), else what is
// wrong. Checked on a copy in secure memory with the contents of every
// string masked, so no secret byte reaches the parser's own buffers; escapes
// and UTF-8 inside strings are left to unescape_json_string.
std::optional<std::string> json_grammar_error(std::string_view json);

}  // namespace linkvault
