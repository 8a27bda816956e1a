/* libyaml's event parser behind one flat struct (see include/ko_yaml.h). */
#include "include/ko_yaml.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct ko_yaml {
    yaml_parser_t parser;
    yaml_event_t event;
    int has_event;
    unsigned char *input;
};

ko_yaml *ko_yaml_open(const void *input, size_t length) {
    ko_yaml *p = calloc(1, sizeof *p);
    if (p == NULL) return NULL;
    /* libyaml reads the buffer lazily, so it must outlive the caller's. */
    p->input = malloc(length ? length : 1);
    if (p->input == NULL || !yaml_parser_initialize(&p->parser)) {
        free(p->input);
        free(p);
        return NULL;
    }
    if (length) memcpy(p->input, input, length);
    yaml_parser_set_input_string(&p->parser, p->input, length);
    return p;
}

int ko_yaml_next(ko_yaml *p, ko_yaml_event *out) {
    if (p->has_event) {
        yaml_event_delete(&p->event);
        p->has_event = 0;
    }
    memset(out, 0, sizeof *out);
    if (!yaml_parser_parse(&p->parser, &p->event)) return 0;
    p->has_event = 1;
    yaml_event_t *e = &p->event;
    out->line = e->start_mark.line;
    out->column = e->start_mark.column;
    switch (e->type) {
    case YAML_STREAM_START_EVENT: out->kind = KO_YAML_STREAM_START; break;
    case YAML_STREAM_END_EVENT: out->kind = KO_YAML_STREAM_END; break;
    case YAML_DOCUMENT_START_EVENT: out->kind = KO_YAML_DOCUMENT_START; break;
    case YAML_DOCUMENT_END_EVENT: out->kind = KO_YAML_DOCUMENT_END; break;
    case YAML_ALIAS_EVENT:
        out->kind = KO_YAML_ALIAS;
        out->anchor = (const char *)e->data.alias.anchor;
        break;
    case YAML_SCALAR_EVENT:
        out->kind = KO_YAML_SCALAR;
        out->anchor = (const char *)e->data.scalar.anchor;
        out->tag = (const char *)e->data.scalar.tag;
        out->value = (const char *)e->data.scalar.value;
        out->length = e->data.scalar.length;
        out->plain_implicit = e->data.scalar.plain_implicit;
        break;
    case YAML_SEQUENCE_START_EVENT:
        out->kind = KO_YAML_SEQUENCE_START;
        out->anchor = (const char *)e->data.sequence_start.anchor;
        out->tag = (const char *)e->data.sequence_start.tag;
        break;
    case YAML_SEQUENCE_END_EVENT: out->kind = KO_YAML_SEQUENCE_END; break;
    case YAML_MAPPING_START_EVENT:
        out->kind = KO_YAML_MAPPING_START;
        out->anchor = (const char *)e->data.mapping_start.anchor;
        out->tag = (const char *)e->data.mapping_start.tag;
        break;
    case YAML_MAPPING_END_EVENT: out->kind = KO_YAML_MAPPING_END; break;
    default: break; /* YAML_NO_EVENT: not produced by a successful parse */
    }
    return 1;
}

const char *ko_yaml_problem(const ko_yaml *p, size_t *line, const char **context, size_t *context_line) {
    *line = p->parser.problem_mark.line;
    *context = p->parser.context;
    *context_line = p->parser.context_mark.line;
    if (p->parser.error == YAML_MEMORY_ERROR) return "out of memory";
    return p->parser.problem ? p->parser.problem : "unknown error";
}

void ko_yaml_close(ko_yaml *p) {
    if (p == NULL) return;
    if (p->has_event) yaml_event_delete(&p->event);
    yaml_parser_delete(&p->parser);
    free(p->input);
    free(p);
}
