/*
 * capi_checks.h — the checks the C tests share (C99): a pass/fail count,
 * CHECK, EXPECT_STATUS (status and lv_last_error_message() together),
 * CHECK_HAS / CHECK_LACKS on returned JSON, a reader for one string value
 * of the flat JSON records the ABI returns, and the scratch directory the
 * vault files live in. Each test program includes it once (after defining
 * _POSIX_C_SOURCE); failures name the test file and line.
 */
#ifndef LINKVAULT_TESTS_CAPI_CHECKS_H
#define LINKVAULT_TESTS_CAPI_CHECKS_H

#include "linkvault.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int checks_passed = 0;
static int checks_failed = 0;

static inline void record_check(int ok, const char* what, const char* file, int line) {
  if (ok) {
    ++checks_passed;
  } else {
    ++checks_failed;
    fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
  }
}

#define CHECK(condition) record_check((condition) != 0, #condition, __FILE__, __LINE__)

/* The call returns `expected`; on failure the message is non-empty, on
 * success it is "". */
static inline void check_status(int expected, int actual, const char* call, const char* file,
                                int line) {
  const char* message = lv_last_error_message();
  int ok = actual == expected && message != NULL &&
           (expected == LV_OK ? message[0] == '\0' : message[0] != '\0');
  if (!ok) {
    fprintf(stderr, "%s:%d: %s returned %s (%d), expected %s (%d); message: \"%s\"\n", file,
            line, call, lv_status_name(actual), actual, lv_status_name(expected), expected,
            message != NULL ? message : "(NULL)");
  }
  record_check(ok, call, file, line);
}

#define EXPECT_STATUS(expected, call) \
  check_status((expected), (call), #call, __FILE__, __LINE__)

static inline void check_contains(const char* text, const char* needle, int want,
                                  const char* what, const char* file, int line) {
  const int found = text != NULL && strstr(text, needle) != NULL;
  if (found != want) {
    fprintf(stderr, "%s:%d: %s %s \"%s\": %s\n", file, line, what, want ? "lacks" : "has",
            needle, text != NULL ? text : "(NULL)");
  }
  record_check(text != NULL && found == want, what, file, line);
}

/* The last error message mentions `needle`. */
#define CHECK_MESSAGE_HAS(needle)                                                    \
  check_contains(lv_last_error_message(), (needle), 1, "lv_last_error_message()", \
                 __FILE__, __LINE__)
#define CHECK_HAS(json, needle) check_contains((json), (needle), 1, #json, __FILE__, __LINE__)
#define CHECK_LACKS(json, needle) check_contains((json), (needle), 0, #json, __FILE__, __LINE__)

/* Copies the string value of the first "key":"..." into buffer (no escapes
 * expected). Returns 1 if found. */
static inline int json_string(const char* json, const char* key, char* buffer, size_t size) {
  char pattern[64];
  const char* start;
  const char* end;
  size_t length;
  buffer[0] = '\0';
  if (json == NULL) return 0;
  sprintf(pattern, "\"%s\":\"", key);
  start = strstr(json, pattern);
  if (start == NULL) return 0;
  start += strlen(pattern);
  end = strchr(start, '"');
  if (end == NULL) return 0;
  length = (size_t)(end - start);
  if (length >= size) return 0;
  memcpy(buffer, start, length);
  buffer[length] = '\0';
  return 1;
}

/* ---- the scratch directory --------------------------------------------- */

static char directory[256];

/* Makes a fresh directory named after `prefix` under $TMPDIR (else /tmp).
 * Returns 0 (after perror) when it cannot. */
static inline int make_directory(const char* prefix) {
  const char* tmp = getenv("TMPDIR");
  if (tmp == NULL || strlen(tmp) >= 200) tmp = "/tmp";
  sprintf(directory, "%s/%s-XXXXXX", tmp, prefix);
  if (mkdtemp(directory) == NULL) {
    perror("mkdtemp");
    return 0;
  }
  return 1;
}

static inline void path_in_directory(char* buffer, const char* file) {
  sprintf(buffer, "%s/%s", directory, file);
}

static inline void remove_directory(void) {
  DIR* dir = opendir(directory);
  struct dirent* entry;
  char path[512];
  if (dir == NULL) return;
  while ((entry = readdir(dir)) != NULL) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    path_in_directory(path, entry->d_name);
    unlink(path);
  }
  closedir(dir);
  rmdir(directory);
}

#endif /* LINKVAULT_TESTS_CAPI_CHECKS_H */
