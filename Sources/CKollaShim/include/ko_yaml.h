/*
 * libyaml's event parser for Swift, flattened: libyaml's yaml_event_t keeps its
 * payload in a union whose strings are freed with the event, so the wrapper owns
 * the parser, a copy of the input and the current event, and hands Swift one
 * plain struct per event whose pointers stay valid until the next call.
 * Composing nodes, resolving tags and building values is done in Swift.
 */
#ifndef KO_YAML_H
#define KO_YAML_H

#include <stddef.h>

typedef struct ko_yaml ko_yaml;

enum {
    KO_YAML_STREAM_START = 1,
    KO_YAML_STREAM_END,
    KO_YAML_DOCUMENT_START,
    KO_YAML_DOCUMENT_END,
    KO_YAML_ALIAS,
    KO_YAML_SCALAR,
    KO_YAML_SEQUENCE_START,
    KO_YAML_SEQUENCE_END,
    KO_YAML_MAPPING_START,
    KO_YAML_MAPPING_END,
};

/* One parse event. Strings are NUL-terminated or NULL; `value` (a scalar's
 * text, which may hold NUL bytes) has `length` bytes. `anchor` is the alias
 * name for KO_YAML_ALIAS. `plain_implicit` is libyaml's flag for a scalar
 * whose tag is to be resolved from its text (a plain scalar with no tag, or
 * the non-specific tag "!"). `line` and `column` are 0-based. */
typedef struct {
    int kind;
    const char *anchor;
    const char *tag;
    const char *value;
    size_t length;
    int plain_implicit;
    size_t line;
    size_t column;
} ko_yaml_event;

/* A parser over a copy of `length` bytes of `input` (UTF-8, or UTF-16 with a
 * BOM, as libyaml detects). Returns NULL when memory runs out. */
ko_yaml *ko_yaml_open(const void *input, size_t length);

/* Parses the next event into `out`. Returns 1 with an event, 0 on a syntax
 * error (read it with ko_yaml_problem). After KO_YAML_STREAM_END, stop. */
int ko_yaml_next(ko_yaml *parser, ko_yaml_event *out);

/* The last syntax error: libyaml's problem text (never NULL), its 0-based
 * line in *line, and the construct being read (or NULL) with its line. */
const char *ko_yaml_problem(const ko_yaml *parser, size_t *line,
                            const char **context, size_t *context_line);

void ko_yaml_close(ko_yaml *parser);

#endif /* KO_YAML_H */
