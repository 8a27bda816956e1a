# Adversarial differential cases for the Swift Jinja2 engine (kolla-oci render).
#
# Case definitions (a list CASES filled through case(...)); run with
#   tools/jinja-diff Tests/JinjaTests/Differential/cases.py [SUBSTRING...]
# Expected results are NOT stored: the harness renders every case with
# Python Jinja2 3.1.6 in-process and compares.  `error=` documents what the
# author expects (tools/jinja-diff --check-declared verifies it); the
# generated undef-op-* cases declare nothing on purpose.
# name:     "<area>-<short-name>"
# template: exact text of template.j2
# context:  dict written to context.json (key order kept)
# env:      trim_blocks, lstrip_blocks, keep_trailing_newline, undefined
# files:    {relative path: text} written under templates/

CASES = []


def case(name, template, context=None, env=None, files=None, error=None):
    CASES.append(dict(name=name, template=template, context=context,
                      env=env, files=files, error=error))


TRIM = {"trim_blocks": True}
LSTRIP = {"lstrip_blocks": True}
BOTH = {"trim_blocks": True, "lstrip_blocks": True}
KEEP = {"keep_trailing_newline": True}
ALL = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}
STRICT = {"undefined": "strict"}

# ======================================================= whitespace control
case("ws-trim-comment-eol", "a\n{# c #}\nb\n{# c2 #}   \nc\n", env=TRIM)
case("ws-lstrip-comment-indented", "a\n    {# c #}\nb\n\t{# t #}x\n", env=LSTRIP)
case("ws-both-comment-only-lines", "x\n  {# one #}\n  {# two #}\ny\n", env=BOTH)
case("ws-lstrip-not-for-expr", "a\n    {{ 1 }}\n  {%- if true %}x{% endif %}\n", env=LSTRIP)
case("ws-lstrip-text-before-tag", "a  {% if true %}b{% endif %}\n  c {% if true %}d{% endif %}\n", env=LSTRIP)
case("ws-lstrip-tabs-mixed", "\t \t{% if true %}\n\tx\n \t{% endif %}\ny\n", env=BOTH)
case("ws-plus-disables-lstrip", "a\n    {%+ if true %}b{% endif %}\n", env=LSTRIP)
case("ws-plus-disables-trim", "{% if true +%}\nA\n{% endif +%}\nB\n", env=TRIM)
case("ws-plus-without-trim", "{% if true +%}\nA\n{%+ endif %}\nB\n")
case("ws-minus-both-sides", "a   \n\n  {%- if true -%}   \n\n  b  \n  {%- endif -%}  \n\n c\n")
case("ws-minus-expr-multiline", "x\n\n   {{- 'y' -}}\n\n   z\n")
case("ws-minus-comment", "a   {#- c -#}   b\n  {#- c2 #}  c\n")
case("ws-minus-raw", "a   {%- raw -%}   {{ x }}   {%- endraw -%}   b\n")
case("ws-raw-trim-lstrip", "a\n  {% raw %}\n  {{ not evaluated }}\n  {% endraw %}\nb\n", env=BOTH)
case("ws-raw-contents-keep-ws", "{% raw %}  {%- x -%}  {# c #} {{ y }}{% endraw %}\n")
case("ws-tag-start-of-file", "{% if true %}\nstart\n{% endif %}\n", env=TRIM)
case("ws-tag-end-of-file-no-nl", "text\n{% if true %}x{% endif %}", env=TRIM)
case("ws-tag-end-of-file-keep", "text\n{% set a = 1 %}\n", env={"trim_blocks": True, "keep_trailing_newline": True})
case("ws-keep-trailing-two-newlines", "a\n\n", env=KEEP)
case("ws-drop-one-of-two-newlines", "a\n\n")
case("ws-only-newline-template", "\n")
case("ws-empty-template", "")
case("ws-crlf-text", "line1\r\nline2\r\n{{ 'x' }}\r\n")
case("ws-crlf-keep", "line1\r\nline2\r\n", env=KEEP)
case("ws-crlf-trim-blocks", "{% if true %}\r\nA\r\n{% endif %}\r\nB\r\n", env=TRIM)
case("ws-crlf-lstrip", "a\r\n   {% if true %}\r\n   b\r\n   {% endif %}\r\n", env=BOTH)
case("ws-cr-only-newlines", "a\rb\r{{ 1 }}\r")
case("ws-crlf-in-raw", "{% raw %}a\r\nb{% endraw %}\r\n")
case("ws-crlf-in-string-literal", "{{ 'a\r\nb' }}|{{ 'c\rd'|length }}\n")
case("ws-crlf-minus", "a\r\n\r\n  {%- if true %}b{% endif -%}\r\n\r\nc\r\n")
case("ws-trim-after-comment-crlf", "a\r\n{# c #}\r\nb\r\n", env=TRIM)
case("ws-trim-only-one-newline", "{% if true %}\n\nA{% endif %}\n", env=TRIM)
case("ws-trim-expr-not-trimmed", "{{ 1 }}\n{{ 2 }}\n", env=TRIM)
case("ws-lstrip-for-else-lines", "<\n  {% for x in [] %}\n  item\n  {% else %}\n  none\n  {% endfor %}\n>\n", env=BOTH)
case("ws-lstrip-block-line", "A\n    {% block b %}\n    in\n    {% endblock %}\nZ\n", env=BOTH)
case("ws-lstrip-macro-def", "{% macro m() %}\n  body\n  {% endmacro %}\n[{{ m() }}]\n", env=BOTH)
case("ws-set-block-trim", "{% set x %}\n  v\n{% endset %}\n[{{ x }}]\n", env=TRIM)
case("ws-set-block-minus", "{% set x -%}\n  v  \n{%- endset %}[{{ x }}]\n")
case("ws-unicode-space-minus", "a\u00a0\u2003{{- 'b' -}}\u3000\u00a0c\n")
case("ws-lstrip-unicode-space", "a\n\u00a0 {% if true %}b{% endif %}\n", env=LSTRIP)
case("ws-form-feed-minus", "a\x0c\x0b {{- 'b' }}\n")
case("ws-minus-start-of-file", "   \n  {%- if true %}x{% endif %}\n")
case("ws-minus-end-of-file", "x{% if true -%}\n\n  {%- endif -%}\n\n   ")
case("ws-lstrip-comment-line-then-text", "a\n  {#c#} b\n", env=LSTRIP)
case("ws-lstrip-nested-blocks-dockerfile", """FROM base
{% block header %}
{% endblock %}
RUN a \\
    {% if pkgs %}
    && b \\
    {% endif %}
    && c
""", context={"pkgs": [1]}, env=BOTH)
case("ws-backslash-newline-literal", "RUN a \\\n    && b \\\n{% if true %}    && c{% endif %}\n")
case("ws-expr-minus-inside-line", "a {{- 1 }} b {{ 2 -}} c\n")
case("ws-comment-multiline-trim", "a\n{# line1\nline2 #}\nb\n", env=TRIM)
case("ws-comment-with-tags-inside", "a{# {% if %} {{ }} #}b\n")
case("ws-lstrip-raw-endraw", "x\n   {% raw %}r{% endraw %}\ny\n", env=LSTRIP)
case("ws-trim-endraw", "{% raw %}\nr\n{% endraw %}\ny\n", env=TRIM)
case("ws-trim-with-whitespace-after-tag", "{% if true %}  \nA\n{% endif %}\t\nB\n", env=TRIM)
case("ws-lstrip-minus-combination", "a\n  {%- if true %}\n  b\n  {% endif -%}\n  c\n", env=BOTH)
case("ws-tabs-in-text", "\tA\t{{ '\t' }}\tB\n")
case("ws-line-only-tags-no-flags", "{% set a = 1 %}\n{% set b = 2 %}\n{{ a + b }}\n")
case("ws-for-loop-body-newlines", "{% for i in range(3) %}\n{{ i }}\n{% endfor %}\n")
case("ws-for-loop-body-newlines-trim", "{% for i in range(3) %}\n{{ i }}\n{% endfor %}\n", env=TRIM)
case("ws-for-loop-minus-join", "{% for i in range(3) -%}\n  {{ i }},\n{%- endfor %}\n")
case("ws-include-trim-keep", "[{% include 'inc.j2' %}]\n", env=KEEP, files={"inc.j2": "inc\n\n"})
case("ws-include-default-drop", "[{% include 'inc.j2' %}]\n", files={"inc.j2": "inc\n\n"})
case("ws-macro-file-newlines", "{% import 'm.j2' as m %}[{{ m.f() }}]\n", files={"m.j2": "{% macro f() %}\nX\n{% endmacro %}\n"})
case("ws-macro-file-newlines-trim", "{% import 'm.j2' as m %}[{{ m.f() }}]\n", env=BOTH, files={"m.j2": "{% macro f() %}\n  X\n  {% endmacro %}\n"})

# ==================================================== literals and printing
case("lit-float-repr-edge", """{{ 1e16 }} {{ 1e-5 }} {{ 1e-4 }} {{ 0.1 + 0.2 }} {{ -0.0 }}
{{ 1e22 }} {{ 1.0e15 }} {{ 9999999999999998.0 }} {{ 12345678901234567.0 }}
{{ 5e-324 }} {{ 1.7976931348623157e308 }} {{ 0.3 }} {{ 2.675 }}
{{ 100.0 }} {{ 1.10 }} {{ 3.14159265358979323846 }}
""")
case("lit-float-arith-repr", """{{ 0.1 * 3 }} {{ 1.1 + 2.2 }} {{ 3 * 1.1 }} {{ 1 / 10 }}
{{ 2 ** 0.5 }} {{ 10 / 3 }} {{ 1e16 + 1 }} {{ 2.0 ** 60 }} {{ 2.0 ** 70 }}
{{ -1e-7 }} {{ 123e-20 }} {{ 0.000123 }}
""")
case("lit-big-ints", """{{ 2 ** 64 }} {{ 2 ** 100 }} {{ -(2 ** 63) - 1 }}
{{ 10 ** 20 * 10 ** 5 }} {{ 99999999999999999999 + 1 }} {{ 2 ** 64 // 3 }} {{ 2 ** 64 % 7 }}
{{ 9223372036854775807 + 1 }} {{ 9223372036854775807 * 2 }}
""")
case("lit-big-int-context", "{{ n }} {{ n + 1 }} {{ n * n }}\n", context={"n": 9223372036854775807})
case("lit-big-int-to-float", "{{ 2 ** 64 / 2 }} {{ (2 ** 64)|float }} {{ 10 ** 17 / 1 }}\n")
case("lit-inf-nan-filters", """{{ 'inf'|float }} {{ '-inf'|float }} {{ 'nan'|float }}
{{ 'Infinity'|float }} {{ 1e308 * 10 }} {{ -1e308 * 10 }}
{{ ('inf'|float) > 1e308 }} {{ ('nan'|float) == ('nan'|float) }}
""")
case("lit-hex-oct-bin", "{{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 0xff + 1 }} {{ 1_000.5 }} {{ 1e0_1 if false else 'ok' }}\n")
case("lit-float-exponent-forms", "{{ 1e5 }} {{ 1E+5 }} {{ 1.5e+3 }} {{ 12e-1 }} {{ 0.0 }} {{ 00 }}\n")
case("lit-string-escapes-more", r"""{{ '\x41\u00e9\U0001F600' }}|{{ 'a\\nb' }}|{{ '\'' }}|{{ "\"" }}
{{ 'tab\there'|length }} {{ '\r'|length }} {{ '\0'|length }} {{ '\a\b\f\v'|length }}
{{ '\N{BULLET}' }}|{{ 'back\\' }}|{{ '\q' }}
""")
case("lit-string-repr-in-list", r"""{{ ["a'b", 'a"b', 'a\'"b', '\n\t\\', 'é', '\x00', '\x7f', '\u200b'] }}
""")
case("lit-string-repr-unicode", "{{ ['日本', '\u00ad', '\u2028', 'emoji\U0001F600'] }}\n")
case("lit-adjacent-strings", "{{ 'a' 'b' \"c\" }}\n")
case("lit-dict-repr-nested", "{{ {'a': {'b': [1, (2, 3)], 'c': none}, 'd': 1.5, 2: true} }}\n")
case("lit-dict-duplicate-keys", "{{ {'a': 1, 'a': 2, 'b': 3} }}\n")
case("lit-tuple-one", "{{ (1,) }} {{ (1) }} {{ ((1, 2),) }} {{ (none,) }}\n")
case("lit-context-float-whole", "{{ a }} {{ b }} {{ c }} {{ d }} {{ [a, b] }}\n", context={"a": 1e16, "b": 1e-5, "c": -0.0, "d": 1.5e300})
case("lit-context-nested-repr", "{{ o }}\n", context={"o": {"x": [1, 2.0, "s", None, True, {"y": []}]}})
case("lit-context-unicode", "{{ s }} {{ s|length }} {{ s[1] }} {{ s|upper }} {{ [s] }}\n", context={"s": "ß\u00e9\U0001F600x"})
case("lit-none-printing", "{{ none }}|{{ [none] }}|{{ none ~ '' }}|{{ none|string }}|{{ {'k': none} }}\n")
case("lit-bool-printing", "{{ true ~ '' }} {{ true|string }} {{ [true] }} {{ true + 1 }} {{ false * 3 }}\n")

# =========================================================== arithmetic
case("op-int-float-division", "{{ 4 / 2 }} {{ -4 / 2 }} {{ 1 // 1.0 }} {{ 7 % 2.5 }} {{ -0.0 + 0 }} {{ 0 * -1.0 }}\n")
case("op-float-floor-mod-neg", "{{ -7 % 2.5 }} {{ 7 % -2.5 }} {{ -7.0 // 2 }} {{ 1e300 * 1e10 // 1 }}\n")
case("op-pow-edge", "{{ 0 ** 0 }} {{ 2 ** -2 }} {{ (-8) ** 2 }} {{ 4 ** 0.5 }} {{ (-2) ** 3 }} {{ 10 ** -1 }}\n")
case("op-pow-neg-frac", "{{ (-8) ** 0.5 }}\n")
case("op-zero-div-float", "{{ 1.0 / 0 }}\n", error="ZeroDivisionError")
case("op-zero-floordiv", "{{ 1 // 0 }}\n", error="ZeroDivisionError")
case("op-zero-mod", "{{ 5 % 0 }}\n", error="ZeroDivisionError")
case("op-unary-ops", "{{ -(-3) }} {{ +(-3) }} {{ - 2.5 }} {{ not not 1 }} {{ -true }}\n")
case("op-compare-mixed-types", "{{ 1 < 'a' }}\n", error="TypeError")
case("op-compare-none", "{{ none < 1 }}\n", error="TypeError")
case("op-str-times-neg", "[{{ 'ab' * -1 }}] {{ [1] * 0 }} {{ 'x' * true }}\n")
case("op-str-plus-int", "{{ 'a' + 1 }}\n", error="TypeError")
case("op-list-plus-tuple", "{{ [1] + (2,) }}\n", error="TypeError")
case("op-str-minus", "{{ 'a' - 'b' }}\n", error="TypeError")
case("op-dict-plus", "{{ {'a': 1} + {'b': 2} }}\n", error="TypeError")
case("op-in-dict-values", "{{ 1 in {'a': 1}.values() }} {{ 'a' in {'a': 1}.keys() }} {{ ('a', 1) in {'a': 1}.items() }}\n")
case("op-in-int", "{{ 1 in 5 }}\n", error="TypeError")
case("op-eq-list-tuple", "{{ [1, 2] == (1, 2) }} {{ (1, 2) == (1, 2) }} {{ {'a': 1} == {'a': 1.0} }} {{ 1 == true }} {{ 'a' != 'a' }}\n")
case("op-string-compare-unicode", "{{ 'é' > 'z' }} {{ 'Z' < 'a' }} {{ 'abc' < 'abcd' }} {{ [1, 'a'] < [1, 'b'] }}\n")
case("op-concat-float", "{{ 1.0 ~ '|' ~ 1e16 ~ '|' ~ 0.1 ~ '|' ~ [1.0] ~ '|' ~ {'a': 2.5} }}\n")
case("op-cond-expr-undefined-else", "[{{ 'x' if false }}] [{{ ('x' if false) is defined }}] [{{ ('x' if false)|default('d') }}]\n")
case("op-chained-compare-short", "{{ 1 < 0 < undefined_var }} {{ 3 > 2 > 1 > 0 }}\n")
case("op-and-or-return-values", "{{ [] and 1 }} {{ 0 or [] }} {{ none or 0 }} {{ 'a' and 0.0 }} {{ 2 or x.y.z }}\n")
case("op-precedence-not-in", "{{ not 1 in [1] }} {{ not (1 in [1]) }} {{ -2 ** 2 }} {{ (-2) ** 2 }} {{ 2 * -1 }}\n")
case("op-filter-on-literal-neg", "{{ -1|abs }} {{ (-1)|abs }} {{ -1.5|round }}\n")
case("op-unary-minus-applies-after-filter", "{{ - 'a'|length }}\n", error="TypeError")
case("op-tilde-precedence", "{{ 2 * 3 ~ 4 }} {{ 1 ~ 2 * 3 }} {{ (1 + 2) ~ 3 }}\n")
case("op-tilde-lower-than-plus", "{{ 1 + 2 ~ 3 }}\n", error="TypeError")
case("op-str-concat-int-plus", "{{ 'a' ~ 1 + 2 }}\n", error="TypeError")
case("op-float-int-eq-hash", "{{ {1: 'a', 1.0: 'b', true: 'c'} }}\n")
case("op-modulo-string-format", "{{ '%s' % 'x' }} {{ '%d' % 3.7 }} {{ '%05.2f' % 3.14159 }} {{ '%x|%X|%o' % (255, 255, 8) }}\n")
case("op-modulo-format-more", "{{ '%r' % 'a' }} {{ '%(a)s-%(b)d' % {'a': 1, 'b': 2} }} {{ '%s and %s' % (1, 2) }} {{ '100%%' % () }}\n")
case("op-modulo-format-flags", "[{{ '%-5s' % 'a' }}] [{{ '%5s' % 'a' }}] [{{ '%+d' % 5 }}] [{{ '% d' % 5 }}] [{{ '%e' % 12345.678 }}] [{{ '%g' % 0.00001 }}] [{{ '%c' % 65 }}]\n")
case("op-modulo-format-list-arg", "{{ '%s' % [1, 2] }} {{ '%s' % (1.0,) }} {{ '%s' % none }} {{ '%.3s' % 'abcdef' }} {{ '%i' % 3 }}\n")
case("op-modulo-format-too-few", "{{ '%s %s' % 'a' }}\n", error="TypeError")
case("op-modulo-format-too-many", "{{ '%s' % (1, 2) }}\n", error="TypeError")
case("op-modulo-format-bad-type", "{{ '%d' % 'x' }}\n", error="TypeError")
case("op-str-format-specs", "[{{ '{:>8}'.format('r') }}] [{{ '{0:.2f}'.format(3.14159) }}] [{{ '{:,}'.format(1234567) }}] [{{ '{:08.3f}'.format(-3.5) }}]\n")
case("op-str-format-more", "[{{ '{!r}'.format('a') }}] [{{ '{a}-{b}'.format(a=1, b='x') }}] [{{ '{:^10}'.format('mid') }}] [{{ '{:x}{:o}{:b}'.format(255, 8, 5) }}] [{{ '{:%}'.format(0.25) }}]\n")
case("op-str-format-positional", "{{ '{} {}'.format(1, 2) }} {{ '{1}{0}'.format('a', 'b') }} {{ '{0[0]}'.format([9]) }} {{ '{:*<6}'.format('ab') }} {{ '{:+.1e}'.format(12345.6) }} {{ '{{}}'.format() }}\n")
case("op-str-format-dict-attr", "{{ '{d[k]}'.format(d={'k': 'v'}) }} {{ '{:>{w}}'.format('x', w=4) }} {{ '{:g}'.format(1e16) }} {{ '{}'.format(1e16) }} {{ '{}'.format([1.0, 'a']) }}\n")
case("op-str-format-missing", "{{ '{} {}'.format(1) }}\n", error="IndexError")

# ================================================================ filters
case("filt-truncate-edge", """{{ 'hello world foo'|truncate(9) }}|{{ 'hello world'|truncate(11) }}|{{ 'hello world!'|truncate(11) }}
{{ 'hello world foo bar'|truncate(12, true) }}|{{ 'hello world foo'|truncate(9, false, '..') }}|{{ 'abc'|truncate(3) }}
{{ 'a very long sentence here'|truncate(10, leeway=0) }}|{{ 'a very long sentence here'|truncate(20, leeway=10) }}|{{ 'abcdefgh'|truncate(5, true, '') }}
{{ 'hello world foo'|truncate(14) }}|{{ 'hello world foo'|truncate(15) }}
""")
case("filt-truncate-killwords-end", "{{ 'x' * 300 }}\n{{ ('word ' * 60)|truncate }}\n{{ ('y' * 300)|truncate }}\n")
case("filt-wordwrap", """{{ 'The quick brown fox jumps over the lazy dog'|wordwrap(10) }}
--
{{ 'averyveryverylongword and more'|wordwrap(8) }}
--
{{ 'averyveryverylongword and more'|wordwrap(8, false) }}
--
{{ 'a b c d e f'|wordwrap(3, wrapstring='|') }}
--
{{ 'line one\\n\\nline two is long'|wordwrap(6) }}
--
{{ 'hyphen-ated-words-here ok'|wordwrap(8) }}
--
{{ 'hyphen-ated-words-here ok'|wordwrap(8, break_on_hyphens=false) }}
""")
case("filt-wordwrap-default-width", "{{ ('lorem ipsum ' * 12)|wordwrap }}\n")
case("filt-indent-edge", """[{{ 'a\\nb\\n\\nc'|indent }}]
[{{ 'a\\nb\\n\\nc'|indent(2, true) }}]
[{{ 'a\\nb\\n\\nc'|indent(2, blank=true) }}]
[{{ 'a\\nb\\n'|indent(3) }}]
[{{ 'a\\nb'|indent('> ') }}]
[{{ 'a\\nb'|indent('-', first=true) }}]
[{{ ''|indent(4, true) }}]
[{{ '\\n'|indent(2, true, true) }}]
""")
case("filt-indent-crlf-text", "[{{ t|indent(2) }}]\n", context={"t": "a\r\nb\rc\u2028d"})
case("filt-center-ljust", "[{{ 'ab'|center(7) }}] [{{ 'abc'|center(6) }}] [{{ 'abcdef'|center(3) }}] [{{ 'x'|center }}] [{{ 5|center(5) }}]\n")
case("filt-round-edge", """{{ 2.5|round }} {{ 3.5|round }} {{ 0.5|round }} {{ -2.5|round }} {{ 1.15|round(1) }} {{ 2.675|round(2) }}
{{ 42|round }} {{ 42|round(1) }} {{ 1234.5678|round(-2) }} {{ 2.1|round(0, 'ceil') }} {{ -2.1|round(0, 'floor') }}
{{ 2.55|round(1, 'ceil') }} {{ 2.5|round(0, 'common') }} {{ 12|round(-1) }} {{ 15|round(-1) }}
""")
case("filt-round-bad-method", "{{ 2.5|round(0, 'up') }}\n", error="FilterArgumentError")
case("filt-round-int-output", "{{ 3.7|round|int }} {{ (2.5|round) is float }} {{ 7|round is integer }}\n")
case("filt-int-conversions", """{{ '42'|int }} {{ ' 42 '|int }} {{ '4.7'|int }} {{ '-4.7'|int }} {{ 'abc'|int }} {{ 'abc'|int(7) }}
{{ '0x1A'|int(0, 16) }} {{ '1A'|int(base=16) }} {{ '0b11'|int(0, 0) }} {{ '0o17'|int(0, 8) }} {{ '1_000'|int }} {{ 4.9|int }} {{ -4.9|int }}
{{ true|int }} {{ none|int }} {{ '1e3'|int }} {{ ''|int }} {{ '12abc'|int }} {{ [1]|int }} {{ '１２'|int }}
""")
case("filt-float-conversions", """{{ '3.5'|float }} {{ '  2 '|float }} {{ 'x'|float }} {{ 'x'|float(1.5) }} {{ 3|float }} {{ '1e3'|float }}
{{ '1_0.5'|float }} {{ true|float }} {{ none|float }} {{ '-0'|float }} {{ '.5'|float }} {{ '5.'|float }}
""")
case("filt-filesizeformat", """{{ 0|filesizeformat }} {{ 1|filesizeformat }} {{ 999|filesizeformat }} {{ 1000|filesizeformat }} {{ 1023|filesizeformat }}
{{ 1024|filesizeformat }} {{ 1500000|filesizeformat }} {{ 1024|filesizeformat(true) }} {{ 1048576|filesizeformat(true) }}
{{ (10 ** 30)|filesizeformat }} {{ 1e12|filesizeformat }} {{ '2048'|filesizeformat(binary=true) }} {{ -1500|filesizeformat }}
""")
case("filt-urlencode", """{{ 'a b&c=d/é?'|urlencode }}|{{ {'a': 'x y', 'b': 1}|urlencode }}|{{ [('k', 'v&'), ('z', 'é')]|urlencode }}
{{ 'a+b~c_d.e-f'|urlencode }}|{{ 'http://x.org/p?q=1'|urlencode }}|{{ 42|urlencode }}
""")
case("filt-dictsort-variants", """{{ d|dictsort }}
{{ d|dictsort(true) }}
{{ d|dictsort(false, 'value') }}
{{ d|dictsort(reverse=true) }}
{% for k, v in d|dictsort(by='value', reverse=true) %}{{ k }}={{ v }} {% endfor %}
""", context={"d": {"b": 2, "A": 3, "a": 1, "B": 0}})
case("filt-dictsort-bad-by", "{{ {'a': 1}|dictsort(by='key2') }}\n", error="FilterArgumentError")
case("filt-groupby-default-case", """{% for g in rows|groupby('k', default='zz') %}{{ g.grouper }}:{{ g.list|length }};{% endfor %}
{% for k, items in rows|groupby('k', case_sensitive=true, default='-') %}{{ k }}={{ items|length }};{% endfor %}
{% for g in rows|groupby('k', default='-') %}{{ g }};{% endfor %}
""", context={"rows": [{"k": "b", "n": 1}, {"k": "A", "n": 2}, {"k": "a", "n": 3}, {"n": 4}, {"k": "B", "n": 5}]})
case("filt-groupby-missing-no-default", "{% for g in rows|groupby('k') %}{{ g.grouper }}{% endfor %}\n", context={"rows": [{"k": 1}, {"n": 2}]}, error="UndefinedError")
case("filt-groupby-missing-single", "{% for g in rows|groupby('k') %}[{{ g.grouper }}]{{ g.list }}{% endfor %}\n", context={"rows": [{"n": 2}]})
case("filt-truncate-too-short", "{{ 'short'|truncate(0) }}\n", error="AssertionError")
case("filt-groupby-dotted-int", """{% for g in rows|groupby('a.b') %}{{ g.grouper }}={{ g.list|length }} {% endfor %}
{% for g in pairs|groupby(0) %}{{ g.grouper }}:{{ g.list }} {% endfor %}
{% for g in pairs|groupby('1') %}{{ g.grouper }}|{% endfor %}
""", context={"rows": [{"a": {"b": 2}}, {"a": {"b": 1}}, {"a": {"b": 2}}], "pairs": [["x", 1], ["y", 2], ["x", 3]]})
case("filt-unique-variants", """{{ ['a', 'A', 'b', 'a']|unique|list }} {{ ['a', 'A', 'b']|unique(true)|list }}
{{ rows|unique(attribute='k')|map(attribute='n')|list }} {{ [1, 1.0, true, '1']|unique|list }} {{ 'abcab'|unique|join }}
""", context={"rows": [{"k": "X", "n": 1}, {"k": "x", "n": 2}, {"k": "y", "n": 3}]})
case("filt-sort-attribute-list", """{{ rows|sort(attribute='a,b')|map(attribute='n')|join(',') }}
{{ rows|sort(attribute='a, b', reverse=true)|map(attribute='n')|join(',') }}
{{ rows|sort(attribute='s')|map(attribute='n')|join(',') }}
{{ rows|sort(attribute='s', case_sensitive=true)|map(attribute='n')|join(',') }}
{{ ['b', 'A', 'a', 'B']|sort }} {{ ['b', 'A', 'a', 'B']|sort(case_sensitive=true) }} {{ [3, 1.5, 2]|sort(true) }}
""", context={"rows": [{"a": 2, "b": 1, "s": "b", "n": 1}, {"a": 1, "b": 2, "s": "B", "n": 2}, {"a": 2, "b": 0, "s": "a", "n": 3}, {"a": 1, "b": 1, "s": "A", "n": 4}]})
case("filt-sort-dict-and-string", "{{ {'b': 1, 'a': 2}|sort }} {{ 'cba'|sort }} {{ [[2, 'a'], [1, 'b'], [1, 'a']]|sort }}\n")
case("filt-sort-mixed-types", "{{ [1, 'a']|sort }}\n", error="TypeError")
case("filt-map-variants", """{{ ['1', '2']|map('int')|sum }} {{ ['a', 'b']|map('upper')|join }} {{ ['a b', 'c']|map('replace', ' ', '_')|list }}
{{ rows|map(attribute='x', default='?')|list }} {{ rows|map(attribute='y.z')|list }} {{ [[1, 2], [3]]|map('length')|list }}
{{ ['x', 'y']|map('format')|list }} {{ [3.14159]|map('round', 2)|first }} {{ [1, 2]|map('string')|list }}
""", context={"rows": [{"x": 1, "y": {"z": "a"}}, {"y": {"z": "b"}}]})
case("filt-select-reject-args", """{{ range(10)|select('divisibleby', 3)|list }} {{ range(10)|reject('odd')|list }} {{ [0, 1, '', 'a', none]|select|list }}
{{ [1, 5, 9]|select('>', 4)|list }} {{ [1, 5, 9]|select('lessthan', 6)|list }} {{ ['a', 1, none]|reject('string')|list }}
{{ ['a', 'B']|select('upper')|list }} {{ [1, 2]|select('in', [2, 3])|list }} {{ [none, 1]|reject('none')|list }} {{ [[], 'x']|select('sequence')|list }}
""")
case("filt-selectattr-variants", """{{ rows|selectattr('on')|map(attribute='n')|list }} {{ rows|rejectattr('on')|map(attribute='n')|list }}
{{ rows|selectattr('n', 'equalto', 2)|list }} {{ rows|selectattr('n', '>=', 2)|map(attribute='n')|list }} {{ rows|selectattr('on', 'defined')|map(attribute='n')|list }}
{{ rows|selectattr('n', 'in', [1, 3])|map(attribute='n')|list }}
""", context={"rows": [{"n": 1, "on": True}, {"n": 2, "on": False}, {"n": 3}]})
case("filt-sum-min-max-attr", """{{ rows|sum(attribute='v') }} {{ rows|sum(attribute='v', start=10) }} {{ [0.1, 0.2]|sum }} {{ []|sum }} {{ [[1], [2]]|sum(start=[]) }}
{{ rows|min(attribute='v') }} {{ rows|max(attribute='v') }} {{ ['b', 'A', 'c']|min }} {{ ['b', 'A', 'c']|max }} {{ ['b', 'A']|max(case_sensitive=true) }}
{{ []|min }}|{{ []|max }}|{{ 'hello'|max }}|{{ {'b': 1, 'a': 2}|min }}
""", context={"rows": [{"v": 3}, {"v": 1.5}, {"v": 2}]})
case("filt-sum-strings", "{{ ['a', 'b']|sum }}\n", error="TypeError")
case("filt-tojson-variants", """{{ {'b': 1, 'a': [1.0, 'é', none, true], 'c': {'d': '<>&\\''}}|tojson }}
{{ 'a"b'|tojson }} {{ 1e16|tojson }} {{ 0.1|tojson }} {{ -0.0|tojson }} {{ (1, 2)|tojson }} {{ '\\u2028'|tojson }}
{{ {'k': [1, {'x': 2}]}|tojson(indent=2) }}
{{ {'z': 1, 'a': 2}|tojson(2) }}
{{ []|tojson(4) }} {{ {}|tojson(indent=1) }} {{ 'x'|tojson(indent=2) }}
""")
case("filt-tojson-context-unicode", "{{ d|tojson }}\n", context={"d": {"name": "Zoë 日本 \U0001F600", "n": 1.0, "big": 12345678901234567890}})
case("filt-tojson-nan", "{{ ('nan'|float)|tojson }} {{ ('inf'|float)|tojson }}\n")
case("filt-tojson-int-keys", "{{ {2: 'a', 10: 'b', 1: 'c'}|tojson }} {{ {2.5: 'x', 1: 'y'}|tojson }}\n")
case("filt-tojson-mixed-keys-unsortable", "{{ {1: 'a', none: 'd'}|tojson }}\n", error="TypeError")
case("filt-batch-slice-fill", """{{ range(7)|batch(3)|list }}
{{ range(7)|batch(3, 'x')|list }}
{{ range(6)|batch(3, 'x')|list }}
{{ range(7)|slice(3)|list }}
{{ range(7)|slice(3, 'f')|list }}
{{ range(2)|slice(4)|list }}
{{ range(2)|slice(4, 0)|list }}
{{ []|batch(2)|list }} {{ 'abcde'|batch(2)|list }}
""")
case("filt-batch-zero", "{{ [1]|batch(0)|list }}\n")
case("filt-striptags", """{{ '<p>Hello <b>World</b></p>'|striptags }}|{{ 'a  \\n\\t b'|striptags }}|{{ '<!-- c -->x<br/>y'|striptags }}
{{ '&lt;tag&gt; &amp; &quot;'|striptags }}|{{ '<a href="x>y">link</a>'|striptags }}|{{ 'a < b > c'|striptags }}|{{ '&nbsp;x&#39;'|striptags }}
""")
case("filt-title-capitalize", """{{ 'hello world'|title }} {{ "it's o'neil"|title }} {{ 'hello-world foo_bar'|title }} {{ 'ÉCOLE élève'|title }}
{{ 'HELLO'|capitalize }} {{ 'hELLO wORLD'|capitalize }} {{ '1abc'|title }} {{ 'a1b c2d'|title }} {{ '(paren) [x]'|title }} {{ 'tab\\tsep'|title }}
""")
case("filt-wordcount", "{{ 'hello world'|wordcount }} {{ ''|wordcount }} {{ '  a  b  '|wordcount }} {{ 'one,two;three'|wordcount }} {{ \"it's a-b\"|wordcount }} {{ 'é ü'|wordcount }} {{ 123|wordcount }}\n")
case("filt-xmlattr", """[{{ {'class': 'a b', 'id': 'x', 'skip': none, 'u': undefined_x, 'q': '"<&>'}|xmlattr }}]
[{{ {'data-x': 1, 'flag': true}|xmlattr(false) }}]
[{{ {}|xmlattr }}]
""")
case("filt-xmlattr-bad-key", "{{ {'a b': 1}|xmlattr }}\n", error="ValueError")
case("filt-format-filter", "{{ '%s-%s'|format('a', 2) }} {{ '%(x)s'|format(x=1) }} {{ '%.2f'|format(1) }} {{ '%5.1f|'|format(3.14159) }} {{ '%s'|format([1, 'a']) }} {{ '%%'|format }}\n")
case("filt-format-both-args", "{{ '%s'|format(1, x=2) }}\n", error="FilterArgumentError")
case("filt-replace-count", "{{ 'aaaa'|replace('a', 'b', 2) }} {{ 'abc'|replace('', '-') }} {{ 'abc'|replace('x', 'y') }} {{ 123|replace('2', 'X') }} {{ 'aaa'|replace('a', 'b', 0) }} {{ 'aaa'|replace('a', 'b', -1) }}\n")
case("filt-length-variants", "{{ 'héllo'|length }} {{ {'a': 1}|length }} {{ range(5)|length }} {{ none|length if false else 0 }} {{ '\U0001F600'|length }} {{ (1, 2)|count }}\n")
case("filt-length-int", "{{ 5|length }}\n", error="TypeError")
case("filt-first-last-edge", "{{ []|first }}|{{ []|last }}|{{ 'abc'|first }}|{{ 'abc'|last }}|{{ {'a': 1, 'b': 2}|first }}|{{ range(0)|first is undefined }}\n")
case("filt-last-of-dict", "{{ {'a': 1, 'b': 2}|last }}\n")
case("filt-list-variants", "{{ 'abc'|list }} {{ {'a': 1, 'b': 2}|list }} {{ (1, 2)|list }} {{ range(3)|list }} {{ none|list if false else [] }}\n")
case("filt-list-int", "{{ 5|list }}\n", error="TypeError")
case("filt-string-variants", "{{ 1.0|string }} {{ [1, 'a']|string }} {{ none|string }} {{ {'a': none}|string }} {{ (1,)|string|length }} {{ 1e100|string }}\n")
case("filt-reverse-variants", "{{ 'abc'|reverse }} {{ [1, 2, 3]|reverse|list }} {{ (1, 2)|reverse|list }} {{ {'a': 1, 'b': 2}|reverse|list }} {{ range(3)|reverse|join }}\n")
case("filt-reverse-int", "{{ 5|reverse }}\n", error="FilterArgumentError")
case("filt-join-variants", "{{ [1, 2.0, none, true]|join(',') }} {{ rows|join('|', attribute='n') }} {{ 'abc'|join('.') }} {{ [[1], [2]]|join }} {{ {'a': 1, 'b': 2}|join('-') }}\n", context={"rows": [{"n": "x"}, {"n": 2}]})
case("filt-default-variants", "[{{ none|default('d') }}] [{{ ''|default('d') }}] [{{ ''|default('d', true) }}] [{{ 0|d('z', boolean=true) }}] [{{ false|default('d') }}] [{{ u|default }}] [{{ u|default(none) }}] [{{ u|default(u2)|default('deep') }}]\n")
case("filt-abs-variants", "{{ -0.0|abs }} {{ -5|abs }} {{ true|abs }} {{ -1e16|abs }} {{ -(2 ** 70)|abs }}\n")
case("filt-abs-string", "{{ 'x'|abs }}\n", error="TypeError")
case("filt-upper-lower-unicode", "{{ 'ß'|upper }} {{ 'İ'|lower|length }} {{ 'ǅ'|lower }} {{ 'ﬁ'|upper }} {{ 'ΣΑΣ'|lower }}\n")
case("filt-trim-chars", "[{{ '  a  '|trim }}] [{{ 'xxaxx'|trim('x') }}] [{{ '\\t\\n a \\u00a0'|trim }}] [{{ 'abcba'|trim('ab') }}]\n")
case("filt-items-variants", "{{ {'a': 1, 'b': [2]}|items|list }} {{ u|items|list }} {% for k, v in {'x': 1}|items %}{{ k }}{{ v }}{% endfor %}\n")
case("filt-items-list", "{{ [1, 2]|items|list }}\n", error="TypeError")
case("filt-attr-filter", "{{ d|attr('a') }}|{{ d|attr('missing') }}|{{ 'abc'|attr('upper') is callable }}|{{ d|attr('items') is defined }}\n", context={"d": {"a": 1}})
case("filt-pprint", "{{ {'b': [1, 2], 'a': 'x'}|pprint }} {{ 'str'|pprint }} {{ none|pprint }} {{ [1.0, (2,)]|pprint }}\n")
case("filt-pprint-long", "{{ d|pprint }}\n", context={"d": {"k%d" % i: "value number %d" % i for i in range(8)}})
case("filt-escape-and-string", "{{ '<a & \"b\" \\'c\\'>'|e }} {{ '<x>'|escape|length }} {{ ('<' ~ '>')|forceescape }} {{ '<b>'|safe }} {{ ('<b>'|e) ~ '<i>' }}\n")
case("filt-escape-markup-concat", "{{ ('<b>'|e + '<i>') }} {{ '<'|e|e }} {{ ['<']|join|e }}\n")
case("filt-urlize", "{{ 'visit http://example.com now'|urlize }}\n{{ 'www.x.org and mail me@x.org'|urlize(10) }}\n{{ 'http://a.org/x'|urlize(nofollow=true, target='_blank') }}\n")
case("filt-count-string", "{{ 'abc'|count }} {{ {'a': 1}|count }}\n")
case("filt-random-single", "{{ [7]|random }} {{ 'x'|random }}\n")
case("filt-chain-kolla-style", "{{ pkgs|default([])|unique|sort|join(' ') }}|{{ (pkgs + extra)|select|map('lower')|join(',') }}|{{ pkgs|length > 1 }}\n",
     context={"pkgs": ["b", "a", "b"], "extra": ["C", ""]})
case("filt-unknown-in-dead-branch", "{% if false %}{{ x|nosuchfilter }}{% endif %}ok\n")
case("filt-unknown-test-in-dead-branch", "{% if false %}{{ x is nosuchtest }}{% endif %}ok\n")
case("filt-unknown-in-live-branch", "a\n{% if true %}{{ x|nosuchfilter }}{% endif %}ok\n", error="TemplateRuntimeError")
case("filt-unknown-toplevel", "a\n{{ x|nosuchfilter }}\n", error="TemplateAssertionError")
case("filt-unknown-in-else-branch", "{% if x %}a{% else %}{{ x|customizable('packages') }}{% endif %}\n", context={"x": 1})
case("filt-unknown-in-set-in-if", "{% if false %}{% set p = p|customizable('packages') %}{% endif %}ok\n")
case("filt-unknown-in-for-body", "{% for i in [] %}{{ i|nosuch }}{% endfor %}ok\n", error="TemplateAssertionError")
case("filt-unknown-test-in-live-if", "{% if true %}{{ 1 is nosuch }}{% endif %}\n", error="TemplateRuntimeError")
case("filt-unknown-in-block", "{% block b %}{{ 1|nosuch }}{% endblock %}\n", error="TemplateAssertionError")
case("filt-unknown-in-uncalled-macro", "{% macro m() %}{{ x|customizable('packages') }}{% endmacro %}ok\n", error="TemplateAssertionError")
case("filt-unknown-in-included-dead", "a{% if false %}{% include 'bad.j2' %}{% endif %}b\n", files={"bad.j2": "{{ x|nosuch }}"})
case("filt-filter-block-args", "{% filter replace('a', 'b') %}banana{% endfilter %} {% filter upper|trim %}  x  {% endfilter %} {% filter indent(2, true) %}l1\nl2{% endfilter %}\n")
case("filt-filter-block-set", "{% filter upper %}{% set y = 'in' %}{{ y }}{% endfilter %}[{{ y }}]\n")
case("filt-call-keyword-splat", "{{ 'a,b'|replace(*[',', ';']) }} {{ [3, 1]|sort(**{'reverse': true}) }} {{ '%s%s'|format(*['x', 'y']) }}\n")

# ================================================================== tests
case("test-all-builtins-true-false", """{{ 1 is odd }}{{ 2 is even }}{{ 6 is divisibleby 3 }}{{ 6 is divisibleby(4) }}
{{ x is defined }}{{ nope is undefined }}{{ none is none }}{{ 0 is none }}
{{ 'a' is string }}{{ 1 is number }}{{ 1.0 is number }}{{ true is number }}{{ 1 is integer }}{{ true is integer }}{{ 1.0 is float }}{{ 1 is float }}
{{ true is boolean }}{{ 1 is boolean }}{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 0 is false }}
{{ [] is sequence }}{{ 'a' is sequence }}{{ {} is sequence }}{{ 1 is sequence }}{{ {} is mapping }}{{ [] is mapping }}
{{ [] is iterable }}{{ 'a' is iterable }}{{ 1 is iterable }}{{ range(2) is iterable }}{{ range(2) is sequence }}
{{ 'abc' is lower }}{{ 'aBc' is lower }}{{ 'ABC' is upper }}{{ '1A' is upper }}{{ '' is lower }}
""", context={"x": 0})
case("test-comparison-aliases", """{{ 1 is eq 1 }}{{ 1 is equalto 1 }}{{ 1 is ne 2 }}
{{ 1 is lt 2 }}{{ 1 is lessthan 2 }}{{ 2 is le 2 }}{{ 3 is gt 2 }}{{ 3 is greaterthan 4 }}{{ 3 is ge 3 }}
{{ 'a' is in 'abc' }}{{ 1 is in [2] }}{{ 'k' is in {'k': 1} }}
""")
case("test-operator-symbol-name", "{{ 1 is == 1 }}\n", error="TemplateSyntaxError")
case("test-callable-sameas-filter-test", """{{ range is callable }}{{ 'x' is callable }}{{ 'x'.upper is callable }}{{ m is callable }}{{ none is sameas none }}{{ 1 is sameas 1 }}{{ [] is sameas [] }}
{{ 'upper' is filter }}{{ 'nosuch' is filter }}{{ 'odd' is test }}{{ 'nosuch' is test }}{{ 'customizable' is filter }}
{{ '<a>'|e is escaped }}{{ '<a>' is escaped }}
""", context={"m": {}})
case("test-not-and-chained", "{{ 3 is not odd }} {{ not 3 is odd }} {{ 3 is odd and 4 is even }} {{ x is not defined or x is none }} {{ (3 is odd) is true }}\n")
case("test-with-filter-arg", "{{ 'a b' is string and 'a b'|length is divisibleby 3 }} {{ [1,2]|length is even }} {{ 4 is divisibleby 2 is true }}\n")
case("test-is-defined-attrs", "{{ d.a is defined }} {{ d.b is defined }} {{ d.a.x is defined }} {{ d['a'] is defined }} {{ l[5] is defined }} {{ l[0] is defined }}\n", context={"d": {"a": 1}, "l": [1]})
case("test-odd-float", "{{ 3.0 is odd }}\n")
case("test-odd-string", "{{ 'a' is odd }}\n", error="TypeError")
case("test-divisibleby-zero", "{{ 3 is divisibleby 0 }}\n", error="ZeroDivisionError")
case("test-number-special", "{{ ('nan'|float) is number }} {{ ('inf'|float) is float }} {{ (2 ** 70) is integer }} {{ 1e16 is integer }}\n")
case("test-string-on-markup", "{{ ('<'|e) is string }} {{ none is string }} {{ ('x'|safe) is string }}\n")
case("test-in-with-undefined", "{{ u is in [1] }} {{ 1 is in u }}\n")
case("test-mapping-namespace", "{% set ns = namespace(a=1) %}{{ ns is mapping }} {{ ns is defined }} {{ range(1) is mapping }} {{ {}.items() is iterable }}\n")
case("test-defined-on-loop-vars", "{% for x in [1] %}{{ loop.previtem is defined }} {{ loop.nextitem is defined }} {{ loop is defined }}{% endfor %} {{ loop is defined }}\n")
case("test-unknown-test-args", "{{ 1 is sameas }}\n", error="TypeError")

# ================================================================ methods
case("meth-str-more", """{{ 'a,b,,c'.split(',') }} {{ 'a b  c'.split() }} {{ ' a b '.split(' ') }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }}
{{ 'l1\\nl2\\r\\nl3'.splitlines() }} {{ 'l1\\nl2\\n'.splitlines(true) }} {{ 'abc'.partition('b') }} {{ 'abc'.rpartition('x') }}
{{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.find('z') }} {{ 'hello'.index('e') }} {{ 'hello'.count('l') }} {{ 'aaa'.count('') }}
""")
case("meth-str-predicates", """{{ 'abc'.isalpha() }}{{ 'ab1'.isalnum() }}{{ '123'.isdigit() }}{{ ''.isdigit() }}{{ '  '.isspace() }}{{ 'Ab Cd'.istitle() }}{{ 'AB'.isupper() }}{{ 'ab'.islower() }}
{{ 'x'.startswith(('a', 'x')) }}{{ 'abc'.endswith('bc') }}{{ 'abc'.startswith('b', 1) }}{{ '²'.isdigit() }}{{ '²'.isdecimal() }}{{ 'é'.isalpha() }}{{ 'a_b'.isidentifier() }}
""")
case("meth-str-transform", """{{ 'hello'.center(11, '*') }} {{ 'x'.ljust(4, '.') }}| {{ 'x'.rjust(4) }} {{ '42'.zfill(5) }} {{ '-42'.zfill(5) }} {{ 'aBc'.swapcase() }} {{ 'ß'.casefold() }}
{{ 'a\\tb'.expandtabs(4) }} {{ 'xxhixx'.strip('x') }} {{ 'xxhixx'.lstrip('x') }} {{ 'xxhixx'.rstrip('x') }} {{ 'prefix-body'.removeprefix('prefix-') }} {{ 'a.tar.gz'.removesuffix('.gz') }}
{{ 'a-b-c'.replace('-', '+', 1) }} {{ ','.join(['a', 'b']) }} {{ 'hello world'.title() }} {{ 'HELLO'.capitalize() }} {{ 'one two'.split()|last }}
""")
case("meth-str-format-method-kolla", "{{ 'RUN {} && {}'.format(a, b) }} {{ '{}-{}'.format(*parts) }} {{ '{name}:{tag}'.format(**img) }}\n",
     context={"a": "x", "b": "y", "parts": ["p", 1.0], "img": {"name": "n", "tag": "t"}})
case("meth-str-index-missing", "{{ 'abc'.index('z') }}\n", error="ValueError")
case("meth-str-encode", "{{ 'é'.encode('utf-8') }}\n")
case("meth-list-methods", """{{ [1, 2, 1].count(1) }} {{ [1, 2, 3].index(2) }} {% set l = [3, 1] %}{% set _ = l.append(2) %}{{ l }} {% set _ = l.extend([9]) %}{{ l }}
{% set _ = l.sort() %}{{ l }} {% set _ = l.reverse() %}{{ l }} {{ l.pop() }} {{ l }} {% set _ = l.insert(0, 'z') %}{{ l }} {% set _ = l.remove('z') %}{{ l }} {{ l.copy() }}
""")
case("meth-list-append-returns-none", "{{ [].append(1) }}|{% set l = [] %}{{ l.append(1) }}{{ l }}\n")
case("meth-dict-methods", """{% set d = {'a': 1, 'b': 2} %}{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 0) }} {{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }}
{% set _ = d.update({'c': 3}) %}{{ d }} {{ d.pop('a') }} {{ d }} {{ d.setdefault('e', 5) }} {{ d }} {{ d.copy() }} {{ 'b' in d }}
""")
case("meth-dict-view-repr", "{{ {'a': 1}.keys() }} {{ {'a': 1}.values() }} {{ {'a': 1}.items() }}\n")
case("meth-dict-attr-vs-key-clash", "{{ d.items is callable }}|{{ d['items'] }}|{{ d.keys is callable }}|{{ d.get is callable }}\n", context={"d": {"items": "I", "keys": "K", "get": "G"}})
case("meth-dict-key-named-like-method", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {{ d.values is callable }}\n", context={"d": {"values": [1], "x": 2}})
case("meth-str-attr-missing", "[{{ 'abc'.nosuch }}] [{{ 'abc'.nosuch is defined }}]\n")
case("meth-call-undefined-method", "{{ 'abc'.nosuch() }}\n", error="UndefinedError")
case("meth-int-methods", "{{ (255).bit_length() }} {{ 3.5.is_integer() }} {{ (10).real }} {{ 1.5.as_integer_ratio() }}\n")
case("meth-sandbox-unsafe", "[{{ ''.__class__ }}]\n")
case("meth-sandbox-format-attr", "[{{ '{0.__class__}'.format(1) }}]\n")
case("meth-sandbox-call-unsafe", "{{ ''.__class__() }}\n", error="SecurityError")
case("meth-sandbox-dunder-undefined", "[{{ x.__class__ }}] [{{ x._private }}]\n", context={"x": {"_private": 1}})

# ================================================================ slicing
case("lookup-slicing-negative-steps", """{{ [1, 2, 3, 4, 5][::-1] }} {{ [1, 2, 3, 4, 5][::-2] }} {{ [1, 2, 3, 4, 5][3:0:-1] }} {{ [1, 2, 3, 4, 5][-2:] }}
{{ [1, 2, 3, 4, 5][1:-1:2] }} {{ 'abcdef'[::-2] }} {{ 'abcdef'[5:1:-1] }} {{ [1, 2, 3][10:] }} {{ [1, 2, 3][-10:2] }} {{ 'abc'[:-10] }}
{{ (1, 2, 3)[::-1] }} {{ 'abc'[-1] }} {{ 'abc'[-3] }} {{ [1, 2, 3][:] }} {{ range(10)[2:8:3]|list }} {{ 'héllo'[1:3] }}
""")
case("lookup-slice-step-zero", "{{ [1, 2][::0] }}\n", error="ValueError")
case("lookup-index-out-of-range", "[{{ [1][5] }}] [{{ 'ab'[9] }}] [{{ [1][-5] is undefined }}] [{{ {'a': 1}['b'] }}]\n")
case("lookup-index-strict", "{{ [1][5] }}\n", env=STRICT, error="UndefinedError")
case("lookup-attr-int-and-getitem", "{{ l.0 }} {{ l.1.x }} {{ d['1'] }} {{ d[1] }} {{ d.get(1) }} {{ t.0 }}\n", context={"l": [10, {"x": 20}], "d": {"1": "str-key"}, "t": ["a"]})
case("lookup-float-index", "{{ [1, 2][1.0] }}\n")
case("lookup-bool-index", "{{ [1, 2][true] }} {{ 'ab'[false] }}\n")
case("lookup-none-attr", "[{{ n.x }}] [{{ n['x'] }}]\n", context={"n": None})
case("lookup-none-attr-strict", "[{{ n.x }}]\n", context={"n": None}, env=STRICT, error="UndefinedError")
case("lookup-slice-of-undefined", "[{{ u[1:] }}]\n", error="UndefinedError")
case("lookup-slice-vars", "{{ l[a:b] }} {{ l[a:] }} {{ l[:b] }} {{ l[n:n] }} {{ l[none:2] }}\n", context={"l": [1, 2, 3, 4], "a": 1, "b": 3, "n": None})
case("lookup-string-index-attr", "{{ 'abc'.0 }}\n")
case("lookup-nested-getattr-chain", "{{ a.b.c.d }}|{{ a['b']['c'] }}|{{ a.b['c'].d }}\n", context={"a": {"b": {"c": {"d": "deep"}}}})
case("lookup-dict-literal-subscript", "{{ {'a': [1, 2]}['a'][-1] }} {{ [{'x': 1}][0].x }} {{ ('a', 'b')[1] }} {{ 'abc'[1:][0] }}\n")

# ================================================================== loops
case("loop-all-vars", """{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.depth }}{{ loop.depth0 }}|{% endfor %}
""")
case("loop-cycle-changed", """{% for x in [1, 1, 2, 2, 1] %}{{ loop.cycle('a', 'b', 'c') }}{{ loop.changed(x) }} {% endfor %}
{% for x in [1, 2] %}{{ loop.changed(x, 'k') }}{{ loop.changed(x, 'k') }} {% endfor %}
""")
case("loop-cycle-no-args", "{% for x in [1] %}{{ loop.cycle() }}{% endfor %}\n", error="TypeError")
case("loop-previtem-nextitem-edges", "{% for x in [1, 2, 3] %}[{{ loop.previtem }}|{{ loop.nextitem }}|{{ loop.previtem is defined }}]{% endfor %}\n")
case("loop-filter-else", """{% for x in range(5) if x > 10 %}{{ x }}{% else %}none{% endfor %}
{% for x in range(6) if x is even %}{{ loop.index }}/{{ loop.length }}:{{ x }}{% if loop.last %}!{% endif %} {% endfor %}
{% for x in range(6) if x is odd %}{{ loop.revindex }}{{ loop.nextitem }} {% endfor %}
""")
case("loop-filter-uses-outer-var", "{% set lim = 2 %}{% for x in range(5) if x < lim %}{{ x }}{% endfor %}\n")
case("loop-filter-cannot-see-loop", "{% for x in range(3) if loop is defined %}{{ x }}{% else %}no{% endfor %}\n")
case("loop-recursive-depth", """{% for n in tree recursive %}{{ '  ' * loop.depth0 }}{{ n.name }}({{ loop.depth }},{{ loop.index }}/{{ loop.length }}){% if n.kids %}
{{ loop(n.kids) }}{% endif %}
{% endfor %}
""", context={"tree": [{"name": "a", "kids": [{"name": "b", "kids": [{"name": "c"}]}, {"name": "d"}]}, {"name": "e"}]})
case("loop-recursive-filtered", "{% for n in tree if n.on recursive %}{{ n.name }}[{{ loop(n.kids|default([])) }}]{% endfor %}\n",
     context={"tree": [{"name": "a", "on": 1, "kids": [{"name": "x", "on": 0}, {"name": "y", "on": 1}]}, {"name": "b", "on": 0}]})
case("loop-recursive-else", "{% for n in t recursive %}{{ n.v }}({{ loop(n.k) }}){% else %}-{% endfor %}\n", context={"t": [{"v": 1, "k": [{"v": 2, "k": []}]}]})
case("loop-call-without-recursive", "{% for n in [1] %}{{ loop([1]) }}{% endfor %}\n", error="TypeError")
case("loop-unpack-variants", """{% for a, b in [[1, 2], (3, 4), 'xy'] %}{{ a }}{{ b }} {% endfor %}
{% for (a, b), c in [((1, 2), 3)] %}{{ a }}{{ b }}{{ c }}{% endfor %}
{% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}{{ v }}{% endfor %}
""")
case("loop-unpack-too-many", "{% for a, b in [[1, 2, 3]] %}{{ a }}{% endfor %}\n", error="ValueError")
case("loop-unpack-too-few", "{% for a, b in [[1]] %}{{ a }}{% endfor %}\n", error="ValueError")
case("loop-unpack-non-iterable", "{% for a, b in [1] %}{{ a }}{% endfor %}\n", error="TypeError")
case("loop-over-int", "{% for x in 5 %}{{ x }}{% endfor %}\n", error="TypeError")
case("loop-over-none", "{% for x in none %}{{ x }}{% endfor %}\n", error="TypeError")
case("loop-over-undefined-default", "[{% for x in nope %}{{ x }}{% else %}empty{% endfor %}]\n")
case("loop-over-undefined-attr", "[{% for x in d.nope %}{{ x }}{% endfor %}]\n", context={"d": {}})
case("loop-var-does-not-leak", "{% set x = 'outer' %}{% for x in [1, 2] %}{{ x }}{% endfor %}{{ x }}\n")
case("loop-var-not-defined-after", "{% for y in [1, 2] %}{% endfor %}[{{ y }}]\n")
case("loop-nested-loop-shadow", "{% for a in [1, 2] %}{% set outer = loop %}{% for b in 'xy' %}{{ outer.index }}{{ loop.index }}{{ loop.first and outer.last }} {% endfor %}{% endfor %}\n")
case("loop-length-of-iterator", "{% for x in (range(4)|select('odd')) %}{{ loop.length }}{{ loop.last }}{{ loop.revindex }} {% endfor %}\n")
case("loop-over-dict-order", "{% for k in d %}{{ k }}{% endfor %} {% for k in d|reverse %}{{ k }}{% endfor %} {% for k, v in d|dictsort %}{{ k }}{% endfor %}\n", context={"d": {"z": 1, "a": 2, "m": 3}})
case("loop-range-variants", "{{ range(5, 0, -2)|list }} {{ range(0)|list }} {{ range(-3)|list }} {{ range(2, 10, 3)|list }} {{ range(3)|sum }} {{ range(1, 4)|last }}\n")
case("loop-range-step-zero", "{{ range(1, 5, 0)|list }}\n", error="ValueError")
case("loop-range-too-big", "{{ range(200000)|length }}\n", error="OverflowError")
case("loop-set-inside-loop-and-after", "{% set total = 0 %}{% for x in [1, 2, 3] %}{% set total = total + x %}{{ total }}{% endfor %}|{{ total }}\n")
case("loop-namespace-accumulate", "{% set ns = namespace(total=0, items=[]) %}{% for x in [1, 2, 3] %}{% set ns.total = ns.total + x %}{% set ns.items = ns.items + [x] %}{% endfor %}{{ ns.total }} {{ ns.items }} {{ ns }}\n")
case("loop-namespace-attr-set-on-non-ns", "{% set d = {} %}{% set d.x = 1 %}\n", error="TemplateRuntimeError")
case("loop-else-with-break-absent", "{% for x in [1] %}a{% else %}b{% endfor %}{% for x in [] %}a{% else %}b{% endfor %}\n")
case("loop-iterate-string-unicode", "{% for c in 'a\U0001F600é' %}[{{ c }}]{% endfor %}\n")
case("loop-loop-in-macro-from-loop", "{% macro m() %}{{ loop is defined }}{% endmacro %}{% for x in [1] %}{{ m() }}{% endfor %}\n")
case("loop-changed-no-args", "{% for x in [1, 2] %}{{ loop.changed() }}{% endfor %}\n")
case("loop-index-in-include", "{% for x in [1, 2] %}{% include 'i.j2' %}{% endfor %}\n", files={"i.j2": "{{ loop.index }}{{ x }};"}, error="UndefinedError")
case("loop-var-in-include", "{% for x in [1, 2] %}{% include 'i.j2' %}{% endfor %}\n", files={"i.j2": "{{ x }}[{{ loop is defined }}];"})
case("loop-cycler-joiner", "{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }}{% set _ = c.reset() %}{{ c.current }} {% set j = joiner(', ') %}{% for x in 'abc' %}{{ j() }}{{ x }}{% endfor %}\n")
case("loop-dict-modification-safe", "{% for x in l %}{{ x }}{% endfor %}{{ l|length }}\n", context={"l": [1, 2]})
case("loop-over-tuple-literal-no-parens", "{% for x in 1, 2, 3 %}{{ x }}{% endfor %}\n")
case("loop-target-attribute", "{% for a.b in [1] %}{% endfor %}\n", error="TemplateSyntaxError")
case("loop-special-var-loop-assign", "{% for loop in [1] %}{% endfor %}\n", error="TemplateAssertionError")
case("loop-batch-table", "{% for row in range(5)|batch(2, '-') %}{% for c in row %}{{ c }}{% endfor %}|{% endfor %}\n")

# ================================================================= scoping
case("set-in-if-visible", "{% if true %}{% set a = 1 %}{% endif %}{{ a }}\n")
case("set-in-for-not-visible", "{% for i in [1] %}{% set a = 1 %}{% endfor %}[{{ a }}]\n")
case("set-outer-then-loop-reads", "{% set a = 1 %}{% for i in [1, 2] %}{{ a }}{% set a = a + 10 %}{{ a }} {% endfor %}{{ a }}\n")
case("set-loop-read-before-assign", "{% set a = 1 %}{% for i in [1] %}{{ a }}{% set a = 2 %}{% endfor %}\n")
case("set-tuple-unpack", "{% set a, b = 1, 2 %}{{ a }}{{ b }} {% set (c, d) = [3, 4] %}{{ c }}{{ d }}\n")
case("set-trailing-comma-target", "{% set e, = [5] %}{{ e }}\n", error="TemplateSyntaxError")
case("set-tuple-unpack-mismatch", "{% set a, b = [1, 2, 3] %}\n", error="ValueError")
case("set-block-filter", "{% set x | upper %}abc{% endset %}{{ x }} {% set y | trim | replace('a', 'o') %}  bar  {% endset %}[{{ y }}]\n")
case("set-block-is-string", "{% set x %}{{ 1 + 1 }}{% endset %}{{ x + '0' }} {{ x is string }}\n")
case("set-with-scoping", "{% set a = 1 %}{% with a = 2, b = a %}{{ a }}{{ b }}{% set c = 3 %}{% endwith %}{{ a }}[{{ c }}]\n")
case("set-with-no-targets", "{% with %}{% set q = 1 %}{{ q }}{% endwith %}[{{ q }}]\n")
case("set-namespace-init-from-dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }} {% set ns.c = 3 %}{{ ns.c }} [{{ ns.zz }}]\n")
case("set-namespace-in-macro", "{% set ns = namespace(v=0) %}{% macro bump() %}{% set ns.v = ns.v + 1 %}{% endmacro %}{{ bump() }}{{ bump() }}{{ ns.v }}\n")
case("set-special-names", "{% set range = 5 %}{{ range }} {% set true = 1 %}\n", error="TemplateSyntaxError")
case("set-shadow-global", "{% set range = 'r' %}{{ range }}\n")
case("set-shadow-context-var", "{{ x }}{% set x = 'new' %}{{ x }}\n", context={"x": "ctx"})
case("set-shadow-context-var-in-loop-before", "{% for i in [1] %}{{ x }}{% endfor %}{% set x = 'new' %}{{ x }}\n", context={"x": "ctx"})
case("set-late-binding-in-if", "{% if x is defined %}{{ x }}{% endif %}{% set x = 1 %}[{{ x }}]\n")
case("set-self-reference", "{% set l = l + [3] %}{{ l }}\n", context={"l": [1, 2]})
case("set-self-reference-undefined", "{% set l = l + [3] %}{{ l }}\n", error="UndefinedError")
case("set-self-ref-default", "{% set l = l|default([]) + ['x'] %}{{ l }}\n")
case("set-in-if-loop-kolla", "{% set pkgs = ['a'] %}{% if base == 'debian' %}{% set pkgs = pkgs + ['deb'] %}{% elif base == 'rocky' %}{% set pkgs = pkgs + ['rpm'] %}{% endif %}{{ pkgs }}\n", context={"base": "rocky"})
case("set-dict-literal-keys-vars", "{% set k = 'key' %}{% set d = {k: 1, 'k': 2} %}{{ d }}\n")
case("set-multiple-same-line", "{% set a = 1 %}{% set b = a %}{% set a = 2 %}{{ a }}{{ b }}\n")

# ================================================================== macros
case("macro-caller-with-args", "{% macro list(items) %}{% for i in items %}<{{ caller(i, loop.index) }}>{% endfor %}{% endmacro %}{% call(item, n) list(['a', 'b']) %}{{ n }}={{ item }}{% endcall %}\n")
case("macro-caller-default-arg", "{% macro m() %}{{ caller() }}|{{ caller('X') }}{% endmacro %}{% call(v='dflt') m() %}{{ v }}{% endcall %}\n")
case("macro-caller-undefined-when-no-call", "{% macro m() %}[{{ caller is defined }}]{% endmacro %}{{ m() }}\n")
case("macro-call-caller-outside", "{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}\n", error="UndefinedError")
case("macro-varargs-kwargs", "{% macro m(a, b=2) %}{{ a }}{{ b }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1) }}|{{ m(1, 3, 4, 5) }}|{{ m(1, x=9, y='z') }}|{{ m(b=7, a=8) }}\n")
case("macro-kwargs-unknown-without-kwargs", "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, z=2) }}\n", error="TypeError")
case("macro-too-many-positional", "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}\n", error="TypeError")
case("macro-multiple-values-for-arg", "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, a=2) }}\n", error="TypeError")
case("macro-missing-arg-is-undefined", "{% macro m(a, b) %}[{{ a }}][{{ b }}][{{ b is defined }}]{% endmacro %}{{ m(1) }}\n")
case("macro-missing-arg-strict", "{% macro m(a, b) %}[{{ b }}]{% endmacro %}{{ m(1) }}\n", env=STRICT, error="UndefinedError")
case("macro-default-references-earlier-param", "{% macro m(a, b=a * 2, c=b ~ '!') %}{{ a }}|{{ b }}|{{ c }}{% endmacro %}{{ m(3) }} {{ m(3, 1) }} {{ m(3, c='c') }}\n")
case("macro-default-references-context", "{% macro m(p=pkg_default) %}{{ p }}{% endmacro %}{{ m() }}{% set pkg_default = 'late' %}{{ m() }}\n", context={"pkg_default": "ctx"})
case("macro-closure-over-set", "{% set v = 'before' %}{% macro m() %}{{ v }}{% endmacro %}{{ m() }}{% set v = 'after' %}{{ m() }}\n")
case("macro-closure-in-loop", "{% for i in [1, 2] %}{% macro m() %}{{ i }}{% endmacro %}{{ m() }}{% endfor %}\n")
case("macro-reads-global-defined-later", "{% macro m() %}[{{ later }}]{% endmacro %}{{ m() }}{% set later = 'L' %}{{ m() }}\n")
case("macro-attributes", "{% macro m(a, b=1) %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m.name }} {{ m.arguments }} {{ m.catch_varargs }} {{ m.catch_kwargs }} {{ m.caller }}\n")
case("macro-set-inside-not-leak", "{% macro m() %}{% set inner = 1 %}{{ inner }}{% endmacro %}{{ m() }}[{{ inner }}]\n")
case("macro-recursion-depth", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(10) }}\n")
case("macro-return-is-string", "{% macro m() %}5{% endmacro %}{{ m() ~ 1 }} {{ m()|int + 1 }} {{ m() is string }} {{ m()|length }}\n")
case("macro-return-plus-int", "{% macro m() %}5{% endmacro %}{{ m() + 1 }}\n", error="TypeError")
case("macro-default-before-non-default", "{% macro m(a=1, b) %}{% endmacro %}\n", error="TemplateSyntaxError")
case("macro-call-block-in-loop-caller-sees-loop", "{% macro w() %}[{{ caller() }}]{% endmacro %}{% for x in [1, 2] %}{% call w() %}{{ x }}{{ loop.index }}{% endcall %}{% endfor %}\n")
case("macro-nested-call-blocks", "{% macro a() %}A({{ caller() }}){% endmacro %}{% macro b() %}B({{ caller() }}){% endmacro %}{% call a() %}{% call b() %}x{% endcall %}{% endcall %}\n")
case("macro-varargs-name-collision", "{% macro m(varargs) %}{{ varargs }}{% endmacro %}{{ m(1) }}\n")
case("macro-passed-as-arg", "{% macro item(x) %}<{{ x }}>{% endmacro %}{% macro apply(f, l) %}{% for i in l %}{{ f(i) }}{% endfor %}{% endmacro %}{{ apply(item, [1, 2]) }}\n")
case("macro-in-map-filter-no", "{% macro up(x) %}{{ x|upper }}{% endmacro %}{{ ['a']|map('up')|list }}\n", error="TemplateRuntimeError")
case("macro-kwargs-order", "{% macro m() %}{{ kwargs }}{% endmacro %}{{ m(z=1, a=2, m=3) }}\n")
case("macro-splat-call", "{% macro m(a, b, c=0) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(*[1, 2]) }} {{ m(1, **{'b': 5, 'c': 6}) }} {{ m(*[1], **{'b': 2}) }}\n")
case("macro-whitespace-kolla", "{% macro install(pkgs) -%}\n{% if pkgs|length > 0 -%}\nRUN apt-get install {{ pkgs|join(' ') }}\n{%- endif %}\n{%- endmacro %}\nA\n{{ install(['x', 'y']) }}\nB\n{{ install([]) }}\nC\n")
case("macro-undefined-call", "{{ nosuch() }}\n", error="UndefinedError")
case("macro-call-non-callable", "{{ x() }}\n", context={"x": 1}, error="TypeError")

# ========================================================= include / import
case("import-without-context-no-vars", "{% import 'm.j2' as m %}[{{ m.f() }}]\n", context={"v": "ctx"}, files={"m.j2": "{% macro f() %}{{ v }}{% endmacro %}"})
case("import-with-context-vars", "{% set v = 'local' %}{% import 'm.j2' as m with context %}[{{ m.f() }}]\n", context={"v": "ctx"}, files={"m.j2": "{% macro f() %}{{ v }}{% endmacro %}"})
case("import-module-toplevel-vars", "{% import 'm.j2' as m %}{{ m.x }} {{ m.y }} [{{ m._hidden }}] [{{ m.nosuch }}]\n", files={"m.j2": "{% set x = 1 %}{% set y = [x, 2] %}{% set _hidden = 3 %}body text"})
case("import-module-str", "{% import 'm.j2' as m %}[{{ m }}]\n", files={"m.j2": "body {{ 1 + 1 }}\n"})
case("import-from-missing-name", "{% from 'm.j2' import f, nope %}[{{ nope }}][{{ nope is defined }}]\n", files={"m.j2": "{% macro f() %}{% endmacro %}"})
case("import-from-missing-call", "{% from 'm.j2' import nope %}{{ nope() }}\n", files={"m.j2": ""}, error="UndefinedError")
case("import-from-private", "{% from 'm.j2' import _p %}{{ _p() }}\n", files={"m.j2": "{% macro _p() %}P{% endmacro %}"}, error="TemplateAssertionError")
case("import-from-as-alias", "{% from 'm.j2' import f as g, h %}{{ g() }}{{ h() }}\n", files={"m.j2": "{% macro f() %}F{% endmacro %}{% macro h() %}H{% endmacro %}"})
case("import-in-macro-scope", "{% macro outer() %}{% import 'm.j2' as m %}{{ m.f() }}{% endmacro %}{{ outer() }}[{{ m }}]\n", files={"m.j2": "{% macro f() %}F{% endmacro %}"})
case("import-variable-name", "{% import tpl as m %}{{ m.f() }}\n", context={"tpl": "m.j2"}, files={"m.j2": "{% macro f() %}F{% endmacro %}"})
case("import-missing", "{% import 'nope.j2' as m %}\n", error="TemplateNotFound")
case("import-macro-calls-other-macro", "{% from 'm.j2' import a %}{{ a() }}\n", files={"m.j2": "{% macro b() %}B{% endmacro %}{% macro a() %}A{{ b() }}{% endmacro %}"})
case("import-with-context-loop-var", "{% for v in ['x'] %}{% import 'm.j2' as m with context %}{{ m.f() }}{% endfor %}\n", files={"m.j2": "{% macro f() %}[{{ v }}]{% endmacro %}"})
case("import-caller-in-imported", "{% import 'm.j2' as m %}{% call m.wrap() %}inner{% endcall %}\n", files={"m.j2": "{% macro wrap() %}<{{ caller() }}>{% endmacro %}"})
case("include-with-context-keyword", "{% set v = 1 %}{% include 'i.j2' with context %}|{% include 'i.j2' without context %}\n", context={"g": "G"}, files={"i.j2": "[{{ v }}{{ g }}]"})
case("include-ignore-missing-with-context", "a{% include 'nope.j2' ignore missing with context %}b{% include ['nope.j2', 'i.j2'] ignore missing %}c\n", files={"i.j2": "I"})
case("include-variable-list", "{% include names %}\n", context={"names": ["x.j2", "y.j2"]}, files={"y.j2": "Y"})
case("include-none-found-list", "{% include ['a.j2', 'b.j2'] %}\n", error="TemplatesNotFound")
case("include-empty-list", "{% include [] %}\n", error="TemplatesNotFound")
case("include-undefined-name", "{% include nope %}\n", error="UndefinedError")
case("include-in-macro-sees-params", "{% macro m(p) %}{% include 'i.j2' %}{% endmacro %}{{ m('P') }}\n", files={"i.j2": "[{{ p }}]"})
case("include-runtime-error-line", "a\n{% include 'i.j2' %}\n", files={"i.j2": "x\ny\n{{ 1 // 0 }}\n"}, error="ZeroDivisionError")
case("include-undefined-error-line", "a\n\n{% include 'i.j2' %}\n", files={"i.j2": "x\n{{ u.v }}\n"}, error="UndefinedError")
case("include-template-object-extends", "{% include 'c.j2' %}|after\n", files={"c.j2": "{% extends 'p.j2' %}{% block b %}child{% endblock %}", "p.j2": "<{% block b %}{% endblock %}>"})
case("include-set-in-include-not-visible", "{% include 'i.j2' %}[{{ iv }}]\n", files={"i.j2": "{% set iv = 1 %}"})
case("include-namespace-mutation", "{% set ns = namespace(c=0) %}{% include 'i.j2' %}{{ ns.c }}\n", files={"i.j2": "{% set ns.c = ns.c + 5 %}"})
case("include-self-recursive-limit", "{% if n > 0 %}{{ n }}{% set n = n - 1 %}{% include 'template.j2' %}{% endif %}\n", context={"n": 3})
case("include-subdir-relative-name", "{% include 'sub/a.j2' %}\n", files={"sub/a.j2": "A{% include 'sub/b.j2' %}", "sub/b.j2": "B"})
case("include-not-relative", "{% include 'sub/a.j2' %}\n", files={"sub/a.j2": "A{% include 'b.j2' %}", "sub/b.j2": "B"}, error="TemplateNotFound")

# ============================================================= inheritance
P3 = {"base.j2": "<{% block a %}A{% block inner %}I{% endblock %}{% endblock %}|{% block b %}B{% endblock %}>",
      "mid.j2": "{% extends 'base.j2' %}{% block a %}mid[{{ super() }}]{% endblock %}{% block inner %}MI{{ super() }}{% endblock %}"}
case("inherit-super-chain", "{% extends 'mid.j2' %}{% block a %}child({{ super() }}){% endblock %}{% block inner %}CI-{{ super() }}{% endblock %}\n", files=P3)
case("inherit-super-super", "{% extends 'mid.j2' %}{% block inner %}{{ super.super() if false else '' }}{{ super() }}{% endblock %}\n", files=P3)
case("inherit-self-block-twice", "{% block t %}T{% endblock %}|{{ self.t() }}|{{ self.t() }}|[{{ self.nosuch }}]\n")
case("inherit-self-block-in-parent-overridden", "{% extends 'p.j2' %}{% block t %}child{% endblock %}\n", files={"p.j2": "{% block t %}parent{% endblock %}/{{ self.t() }}"})
case("inherit-text-outside-blocks-ignored", "before\n{% extends 'p.j2' %}\nignored text {{ 1 // 1 }}\n{% block b %}B{% endblock %}\nmore ignored\n", files={"p.j2": "[{% block b %}{% endblock %}]"})
case("inherit-set-outside-blocks-visible", "{% extends 'p.j2' %}{% set v = 'child-set' %}{% block b %}{{ v }}{% endblock %}\n", files={"p.j2": "[{% block b %}{% endblock %}][{{ v }}]"})
case("inherit-parent-set-not-in-child-block", "{% extends 'p.j2' %}{% block b %}[{{ pv }}]{% endblock %}\n", files={"p.j2": "{% set pv = 1 %}{% block b %}{% endblock %}"})
case("inherit-block-in-loop-not-scoped", "{% for x in [1, 2] %}{% block b %}[{{ x }}]{% endblock %}{% endfor %}\n")
case("inherit-block-in-loop-scoped", "{% for x in [1, 2] %}{% block b scoped %}[{{ x }}{{ loop.index }}]{% endblock %}{% endfor %}\n")
case("inherit-scoped-block-override", "{% extends 'p.j2' %}{% block b %}<{{ x }}>{% endblock %}\n", files={"p.j2": "{% for x in 'ab' %}{% block b scoped %}{% endblock %}{% endfor %}"})
case("inherit-required-block-render-parent", "{% block r required %}{% endblock %}\n", error="TemplateRuntimeError")
case("inherit-required-block-overridden", "{% extends 'p.j2' %}{% block r %}R{% endblock %}\n", files={"p.j2": "[{% block r required %}{% endblock %}]"})
case("inherit-required-block-not-overridden", "{% extends 'p.j2' %}\n", files={"p.j2": "[{% block r required %}{% endblock %}]"}, error="TemplateRuntimeError")
case("inherit-required-block-with-content", "{% block r required %}x{% endblock %}\n", error="TemplateSyntaxError")
case("inherit-dynamic-extends-var", "{% extends parent_template %}{% block b %}C{{ super() }}{% endblock %}\n", context={"parent_template": "p.j2"}, files={"p.j2": "P{% block b %}pb{% endblock %}"})
case("inherit-extends-conditional", "{% if use %}{% extends 'p.j2' %}{% endif %}{% block b %}child{% endblock %}\n", context={"use": False}, files={"p.j2": "P[{% block b %}{% endblock %}]"})
case("inherit-extends-conditional-true", "{% if use %}{% extends 'p.j2' %}{% endif %}{% block b %}child{% endblock %}\n", context={"use": True}, files={"p.j2": "P[{% block b %}{% endblock %}]"})
case("inherit-extends-twice", "{% extends 'p.j2' %}{% extends 'p.j2' %}\n", files={"p.j2": "P"}, error="TemplateRuntimeError")
case("inherit-block-defined-twice", "{% block a %}{% endblock %}{% block a %}{% endblock %}\n", error="TemplateAssertionError")
case("inherit-super-no-parent", "{% block a %}{{ super() }}{% endblock %}\n", error="UndefinedError")
case("inherit-block-name-mismatch-end", "{% block a %}{% endblock b %}\n", error="TemplateSyntaxError")
case("inherit-block-in-macro", "{% macro m() %}{% block b %}x{% endblock %}{% endmacro %}[{{ m() }}]\n")
case("inherit-nested-block-override-only-inner", "{% extends 'p.j2' %}{% block inner %}NEW{% endblock %}\n", files={"p.j2": "{% block outer %}o[{% block inner %}old{% endblock %}]{% endblock %}"})
case("inherit-child-block-not-in-parent", "{% extends 'p.j2' %}{% block orphan %}X{% endblock %}{% block b %}B{% endblock %}\n", files={"p.j2": "[{% block b %}{% endblock %}]"})
case("inherit-import-in-child-block", "{% extends 'p.j2' %}{% block b %}{% import 'm.j2' as m %}{{ m.f() }}{% endblock %}\n", files={"p.j2": "[{% block b %}{% endblock %}]", "m.j2": "{% macro f() %}F{% endmacro %}"})
case("inherit-child-toplevel-import-used-in-block", "{% extends 'p.j2' %}{% import 'm.j2' as m %}{% block b %}{{ m.f() }}{% endblock %}\n", files={"p.j2": "[{% block b %}{% endblock %}]", "m.j2": "{% macro f() %}F{% endmacro %}"})
case("inherit-parent-import-used-in-child-block", "{% extends 'p.j2' %}{% block b %}{{ macros.f() }}{% endblock %}\n", files={"p.j2": "{% import 'm.j2' as macros %}[{% block b %}{% endblock %}]", "m.j2": "{% macro f() %}F{% endmacro %}"})
case("inherit-block-sees-context", "{% extends 'p.j2' %}{% block b %}{{ g }}{% endblock %}\n", context={"g": "G"}, files={"p.j2": "[{% block b %}{% endblock %}]"})
case("inherit-block-in-if-in-parent", "{% extends 'p.j2' %}{% block b %}X{% endblock %}\n", context={"on": False}, files={"p.j2": "{% if on %}{% block b %}{% endblock %}{% endif %}end"})
case("inherit-super-in-nested-call", "{% extends 'p.j2' %}{% block b %}{{ super()|upper }}/{{ super()|length }}{% endblock %}\n", files={"p.j2": "{% block b %}pa{% endblock %}"})
case("inherit-three-level-self", "{% extends 'mid.j2' %}{% block inner %}new{% endblock %}\n", files={"base.j2": "{% block inner %}base{% endblock %}|{{ self.inner() }}", "mid.j2": "{% extends 'base.j2' %}"})
case("inherit-block-whitespace-trim", "{% extends 'p.j2' %}\n{% block b %}\n  child\n{% endblock %}\n", env=BOTH, files={"p.j2": "A\n{% block b %}\n{% endblock %}\nZ\n"})
case("inherit-extends-missing-var", "{% extends nope %}\n", error="UndefinedError")
case("inherit-loop-var-in-block-scoped", "{% extends 'p.j2' %}{% block b %}{{ x }}{% endblock %}\n", files={"p.j2": "{% for x in [1,2] %}{% block b scoped %}{% endblock %}{% endfor %}"})
case("inherit-block-set-leak", "{% block a %}{% set bv = 1 %}{{ bv }}{% endblock %}[{{ bv }}]\n")

# ======================================================= syntax errors
case("err-unclosed-for", "a\n{% for x in y %}\nb\n", error="TemplateSyntaxError")
case("err-unclosed-block", "{% block a %}\n", error="TemplateSyntaxError")
case("err-unclosed-macro", "{% macro m() %}\n\n", error="TemplateSyntaxError")
case("err-unclosed-comment", "a\n{# never closed\n", error="TemplateSyntaxError")
case("err-unclosed-raw", "{% raw %}\nx\n", error="TemplateSyntaxError")
case("err-unclosed-string", "{{ 'abc }}\n", error="TemplateSyntaxError")
case("err-unclosed-paren", "{{ (1 + 2 }}\n", error="TemplateSyntaxError")
case("err-unbalanced-brackets", "{{ [1, 2) }}\n", error="TemplateSyntaxError")
case("err-unexpected-close", "{{ 1 ] }}\n", error="TemplateSyntaxError")
case("err-empty-expression", "{{ }}\n", error="TemplateSyntaxError")
case("err-empty-tag", "{% %}\n", error="TemplateSyntaxError")
case("err-bad-char", "{{ 1 $ 2 }}\n", error="TemplateSyntaxError")
case("err-trailing-operator", "a\nb\n{{ 1 + }}\n", error="TemplateSyntaxError")
case("err-else-stray", "{% else %}\n", error="TemplateSyntaxError")
case("err-endblock-stray", "x\n{% endblock %}\n", error="TemplateSyntaxError")
case("err-endif-in-for", "{% for x in y %}{% endif %}\n", error="TemplateSyntaxError")
case("err-elif-after-else", "{% if a %}{% else %}{% elif b %}{% endif %}\n", error="TemplateSyntaxError")
case("err-double-else", "{% if a %}{% else %}{% else %}{% endif %}\n", error="TemplateSyntaxError")
case("err-set-literal", "{% set 1 = 2 %}\n", error="TemplateSyntaxError")
case("err-for-literal-target", "{% for 1 in x %}{% endfor %}\n", error="TemplateSyntaxError")
case("err-macro-literal-param", "{% macro m(1) %}{% endmacro %}\n", error="TemplateSyntaxError")
case("err-missing-in", "{% for x y %}{% endfor %}\n", error="TemplateSyntaxError")
case("err-extra-tokens-endfor", "{% for x in y %}{% endfor x %}\n", error="TemplateSyntaxError")
case("err-extra-tokens-in-if", "{% if a b %}{% endif %}\n", error="TemplateSyntaxError")
case("err-break-not-enabled", "{% for x in [1] %}{% break %}{% endfor %}\n", error="TemplateSyntaxError")
case("err-do-not-enabled", "{% do x.append(1) %}\n", error="TemplateSyntaxError")
case("err-line-number-multiline-expr", "l1\nl2\n{{ [1,\n 2,\n 3 +\n }}\n", error="TemplateSyntaxError")
case("err-line-number-late", "a\n{% if x %}\nb\n{% for y in z %}\nc\n{% endif %}\n", error="TemplateSyntaxError")
case("err-unexpected-end-nested", "{% if a %}{% for b in c %}\n", error="TemplateSyntaxError")
case("err-bad-filter-syntax", "{{ x| }}\n", error="TemplateSyntaxError")
case("err-filter-number-name", "{{ x|1 }}\n", error="TemplateSyntaxError")
case("err-is-without-test", "{{ x is }}\n", error="TemplateSyntaxError")
case("err-dict-missing-colon", "{{ {'a' 1} }}\n", error="TemplateSyntaxError")
case("err-call-block-no-endcall", "{% call m() %}x\n", error="TemplateSyntaxError")
case("err-include-no-name", "{% include %}\n", error="TemplateSyntaxError")
case("err-import-no-as", "{% import 'm.j2' %}\n", error="TemplateSyntaxError")
case("err-from-import-nothing", "{% from 'm.j2' import %}\n", error="TemplateSyntaxError")
case("err-with-context-typo", "{% include 'x.j2' with contxt %}\n", error="TemplateSyntaxError")
case("err-syntax-in-macro-file-line", "{% import 'm.j2' as m %}\n", files={"m.j2": "ok\nok\n{% macro f( %}\n"}, error="TemplateSyntaxError")
case("err-syntax-in-parent", "{% extends 'p.j2' %}\n", files={"p.j2": "a\n{{ 1 + }}\n"}, error="TemplateSyntaxError")
case("err-syntax-in-dead-include", "{% if false %}{% include 'bad.j2' %}{% endif %}ok\n", files={"bad.j2": "{% if %}"})
case("err-unknown-tag-hint", "{% endfor %}\n", error="TemplateSyntaxError")
case("err-unknown-tag-name", "\n\n{% foo bar %}\n", error="TemplateSyntaxError")
case("err-end-of-template-in-tag", "{% if true", error="TemplateSyntaxError")
case("err-end-of-template-in-expr", "{{ 1 +", error="TemplateSyntaxError")
case("err-variable-tag-close-in-block", "{% if x }}{% endif %}\n", error="TemplateSyntaxError")
case("err-comment-close-only", "a #} b\n")
case("err-lone-close-tags", "a %} b }} c\n")
case("err-nested-comment", "{# a {# b #} c #}\n")
case("err-string-with-close-delim", "{{ '}}' }}|{{ '%}' }}|{% if '%}' %}y{% endif %}\n")
case("err-runtime-line-in-loop", "a\n{% for x in [1, 0] %}\n{{ 1 // x }}\n{% endfor %}\n", error="ZeroDivisionError")
case("err-runtime-line-in-macro", "{% macro m(x) %}\n\n{{ x.y.z }}\n{% endmacro %}\n{{ m({}) }}\n", error="UndefinedError")
case("err-runtime-line-imported-macro", "{% import 'm.j2' as m %}\n{{ m.f() }}\n", files={"m.j2": "{% macro f() %}\nline2\n{{ 1 + 'a' }}\n{% endmacro %}"}, error="TypeError")
case("err-runtime-line-in-child-block", "{% extends 'p.j2' %}\n{% block b %}\n\n{{ u.v }}\n{% endblock %}\n", files={"p.j2": "x\n{% block b %}{% endblock %}"}, error="UndefinedError")
case("err-runtime-in-filter-args", "{{ [1, 2]|join(1 // 0) }}\n", error="ZeroDivisionError")
case("err-int-filter-bad-base", "{{ '12'|int(base=99) }}\n")
case("err-getattr-on-int", "[{{ (5).foo }}]\n")
case("err-namespace-non-ns-target", "{% set x = 1 %}{% set x.y = 2 %}\n", error="TemplateRuntimeError")
case("err-self-shadow", "{{ self }}\n")
case("err-recursion-macro", "{% macro r() %}{{ r() }}{% endmacro %}{{ r() }}\n", error="RecursionError")

# ============================================================= undefined
# one case per (expression, undefined mode): which operations on a missing
# variable render, which raise UndefinedError, which raise something else
UNDEF_EXPRS = [
    ("print", "{{ u }}"), ("tilde", "{{ u ~ 'a' }}"), ("length", "{{ u|length }}"),
    ("upper", "{{ u|upper }}"), ("lower", "{{ u|lower }}"), ("list", "{{ u|list }}"),
    ("join", "{{ u|join(',') }}"), ("int", "{{ u|int }}"), ("float", "{{ u|float }}"),
    ("is-defined", "{{ u is defined }}"), ("eq-self", "{{ u == u }}"), ("ne-int", "{{ u != 1 }}"),
    ("in-list", "{{ u in [1] }}"), ("contains", "{{ 1 in u }}"), ("not", "{{ not u }}"),
    ("default", "{{ u|default('d') }}"), ("string", "{{ u|string }}"), ("trim", "{{ u|trim }}"),
    ("first", "{{ u|first }}"), ("last", "{{ u|last }}"), ("sort", "{{ u|sort }}"), ("reverse", "{{ u|reverse|list }}"),
    ("unique", "{{ u|unique|list }}"), ("select", "{{ u|select|list }}"), ("map", "{{ u|map('upper')|list }}"),
    ("sum", "{{ u|sum }}"), ("cond", "{{ u if u else 'no' }}"), ("or", "{{ u or 'or' }}"), ("and", "{{ u and 'and' }}"),
    ("replace", "{{ u|replace('a', 'b') }}"), ("center", "{{ u|center(3) }}"), ("escape", "{{ u|e }}"),
    ("title", "{{ u|title }}"), ("capitalize", "{{ u|capitalize }}"), ("wordcount", "{{ u|wordcount }}"),
    ("for", "{% for x in u %}{{ x }}{% else %}e{% endfor %}"), ("batch", "{{ u|batch(2)|list }}"),
    ("dictsort", "{{ u|dictsort }}"), ("items", "{{ u|items|list }}"), ("indent", "{{ u|indent }}"),
    ("wordwrap", "{{ u|wordwrap }}"), ("truncate", "{{ u|truncate }}"), ("striptags", "{{ u|striptags }}"),
    ("urlencode", "{{ u|urlencode }}"), ("min", "{{ u|min }}"), ("max", "{{ u|max }}"), ("count", "{{ u|count }}"),
    ("abs", "{{ u|abs }}"), ("round", "{{ u|round }}"), ("tojson", "{{ u|tojson }}"), ("xmlattr", "{{ u|xmlattr }}"),
    ("pct-format", "{{ '%s' % u }}"), ("format-filter", "{{ '%s'|format(u) }}"), ("str-format", "{{ '{}'.format(u) }}"),
    ("list-repr", "{{ [u, 1] }}"), ("dict-repr", "{{ {'a': u} }}"), ("if", "{% if u %}y{% else %}n{% endif %}"),
    ("is-callable", "{{ u is callable }}"), ("is-iterable", "{{ u is iterable }}"), ("is-sequence", "{{ u is sequence }}"),
    ("is-none", "{{ u is none }}"), ("is-string", "{{ u is string }}"), ("is-false", "{{ u is false }}"),
    ("eq-none", "{{ u == none }}"), ("batch-slice", "{{ u|slice(2)|list }}"), ("filesizeformat", "{{ u|filesizeformat }}"),
    ("groupby", "{{ u|groupby('a')|list }}"), ("selectattr", "{{ u|selectattr('a')|list }}"), ("set", "{% set x = u %}ok"),
    ("set-then-print", "{% set x = u %}[{{ x }}]"), ("macro-arg", "{% macro m(a) %}{{ a }}{% endmacro %}[{{ m(u) }}]"),
    ("add", "{{ u + 1 }}"), ("radd", "{{ 1 + u }}"), ("mul", "{{ u * 2 }}"), ("lt", "{{ u < 1 }}"), ("attr", "{{ u.x }}"),
    ("item", "{{ u[0] }}"), ("call", "{{ u() }}"), ("neg", "{{ -u }}"), ("mod", "{{ u % 2 }}"), ("list-concat", "{{ [1] + u }}"),
    ("str-concat", "{{ 'a' + u }}"), ("slice", "{{ u[1:] }}"), ("is-odd", "{{ u is odd }}"), ("pprint", "{{ u|pprint }}"),
    ("attr-default", "{{ d.missing|default('x') }}"), ("attr-defined", "{{ d.missing is defined }}"),
    ("attr-print", "[{{ d.missing }}]"), ("attr-attr", "{{ d.missing.deeper }}"), ("attr-length", "{{ d.missing|length }}"),
    ("hash-key", "{{ {u: 1} }}"), ("in-dict", "{{ u in {'a': 1} }}"), ("bool-filter-d", "{{ u|d(true) }}"),
    ("string-method-on-attr", "{{ d.missing.upper() }}"), ("loop-unpack", "{% for a, b in u %}{% endfor %}ok"),
]
for _n, _t in UNDEF_EXPRS:
    case("undef-op-default-" + _n, _t + "\n", context={"d": {}})
    case("undef-op-strict-" + _n, _t + "\n", context={"d": {}}, env=STRICT)
case("undef-default-add", "{{ u + 1 }}\n", error="UndefinedError")
case("undef-default-mul", "{{ u * 2 }}\n", error="UndefinedError")
case("undef-default-compare", "{{ u < 1 }}\n", error="UndefinedError")
case("undef-default-attr", "{{ u.x }}\n", error="UndefinedError")
case("undef-default-item", "{{ u[0] }}\n", error="UndefinedError")
case("undef-default-call", "{{ u() }}\n", error="UndefinedError")
case("undef-default-neg", "{{ -u }}\n", error="UndefinedError")
case("undef-default-tojson", "{{ u|tojson }}\n", error="TypeError")
case("undef-default-in-list-repr", "{{ [u, 1] }}\n")
case("undef-default-dict-value", "{{ {'a': u} }}\n")
case("undef-default-attr-of-context-dict", "[{{ d.missing }}][{{ d.missing|default('x') }}][{{ d.missing is defined }}][{{ d['m'] ~ 'c' }}]\n", context={"d": {}})
case("undef-default-nested-missing-attr", "{{ d.missing.deeper }}\n", context={"d": {}}, error="UndefinedError")
case("undef-default-length-attr", "{{ d.missing|length }} {{ d.missing|join }}\n", context={"d": {}})
case("undef-default-mod-format", "{{ u % 2 }}\n", error="UndefinedError")
case("undef-default-iter-attr", "{% for a, b in u %}{% endfor %}ok\n")
case("undef-default-min", "[{{ u|min }}]\n")
case("undef-default-in-test", "{{ u is odd }}\n", error="UndefinedError")
case("undef-default-string-test", "{{ u is string }} {{ u is none }} {{ u is sequence }} {{ u is iterable }} {{ u is mapping }} {{ u is callable }} {{ u is number }} {{ u is sameas u }} {{ u is false }}\n")
case("undef-default-equalto", "{{ u is eq u }} {{ u is eq none }} {{ u == none }} {{ u == '' }}\n")
case("undef-default-macro-arg-tilde", "{% macro m(a) %}[{{ a ~ '-' }}]{% endmacro %}{{ m() }}\n")
case("undef-default-set-then-use", "{% set x = u %}[{{ x }}][{{ x is defined }}]\n")
case("undef-default-slice-str", "[{{ u|string|length }}]\n")
case("undef-default-bool-in-if", "{% if u %}y{% elif not u %}n{% endif %}\n")
case("undef-default-attr-of-undefined-is-defined", "{% if u.x is defined %}d{% else %}nd{% endif %}\n", error="UndefinedError")
case("undef-default-concat-list", "{{ [1] + u }}\n", error="UndefinedError")
case("undef-strict-length", "{{ u|length }}\n", env=STRICT, error="UndefinedError")
case("undef-strict-default-filter", "[{{ u|default('d') }}][{{ u|d }}][{{ u is defined }}][{{ u is undefined }}]\n", env=STRICT)
case("undef-strict-not", "{{ not u }}\n", env=STRICT, error="UndefinedError")
case("undef-strict-eq", "{{ u == 1 }}\n", env=STRICT, error="UndefinedError")
case("undef-strict-in", "{{ 1 in u }}\n", env=STRICT, error="UndefinedError")
case("undef-strict-in-list", "{{ u in [1] }}\n", env=STRICT, error="UndefinedError")
case("undef-strict-is-none", "{{ u is none }}\n", env=STRICT)
case("undef-strict-is-string", "{{ u is string }}\n", env=STRICT)
case("undef-strict-upper", "{{ u|upper }}\n", env=STRICT, error="UndefinedError")
case("undef-strict-join", "{{ u|join }}\n", env=STRICT, error="UndefinedError")
case("undef-strict-list", "{{ u|list }}\n", env=STRICT, error="UndefinedError")
case("undef-strict-string", "{{ u|string }}\n", env=STRICT, error="UndefinedError")
case("undef-strict-format", "{{ '%s'|format(u) }}\n", env=STRICT, error="UndefinedError")
case("undef-strict-in-list-literal", "{{ [u] }}\n", env=STRICT)
case("undef-strict-or", "{{ u or 'x' }}\n", env=STRICT, error="UndefinedError")
case("undef-strict-cond-expr-else-missing", "[{{ 'x' if false }}]\n", env=STRICT)
case("undef-strict-set-no-use", "{% set x = u %}ok\n", env=STRICT)
case("undef-strict-macro-arg-unused", "{% macro m(a) %}ok{% endmacro %}{{ m() }}\n", env=STRICT)
case("undef-strict-attr-default", "{{ d.x|default('dd') }} {{ d.x is defined }}\n", context={"d": {}}, env=STRICT)
case("undef-strict-attr-of-attr-default", "{{ d.x.y|default('dd') }}\n", context={"d": {}}, env=STRICT, error="UndefinedError")
case("undef-strict-select-attr", "{{ rows|selectattr('x')|list }}\n", context={"rows": [{"y": 1}]}, env=STRICT, error="UndefinedError")
case("undef-strict-map-attr-default", "{{ rows|map(attribute='x', default='D')|list }}\n", context={"rows": [{"y": 1}]}, env=STRICT)
case("undef-strict-dictsort-missing", "{{ rows|sort(attribute='x') }}\n", context={"rows": [{"y": 1}, {"y": 2}]}, env=STRICT, error="UndefinedError")
case("undef-strict-tojson", "{{ u|tojson }}\n", env=STRICT, error="TypeError")
case("undef-strict-loop-else", "{% for x in u %}{% else %}e{% endfor %}\n", env=STRICT, error="UndefinedError")
case("undef-strict-include-var", "{% include 'i.j2' %}\n", env=STRICT, files={"i.j2": "{{ missing_in_include }}"}, error="UndefinedError")
case("undef-strict-if-defined-guard", "{% if u is defined and u %}y{% else %}n{% endif %}\n", env=STRICT)
case("undef-strict-env-attr", "{{ env.http_proxy|default('') }}|{% if env.no_proxy is defined %}np{% endif %}\n", context={"env": {"HOME": "/root"}}, env=STRICT)
case("undef-strict-missing-macro-from-import", "{% from 'm.j2' import nope %}[{{ nope is defined }}]\n", env=STRICT, files={"m.j2": ""})
case("undef-msg-attr-of-dict", "{{ d.missing.x }}\n", context={"d": {"a": 1}}, error="UndefinedError")
case("undef-msg-item-of-list", "{{ l[3].x }}\n", context={"l": [1]}, error="UndefinedError")
case("undef-msg-attr-of-str", "{{ s.nope.x }}\n", context={"s": "str"}, error="UndefinedError")
case("undef-msg-strict-attr", "{{ d.missing }}\n", context={"d": {"a": 1}}, env=STRICT, error="UndefinedError")

# =================================================== kolla-shaped templates
KOLLA_MACROS = r"""{% macro install_packages(packages, chain=False, clean=clean_package_cache) -%}
{%- if packages is sequence and packages|length > 0 -%}
    {% if not chain -%} RUN {% endif -%}
    {%- if base_package_type == 'rpm' -%}
        {{ distro_package_manager }} -y install {{ packages | join(' ') }}
        {%- if clean %} \
    && {{ distro_package_manager }} clean all && rm -rf /var/cache/{{ distro_package_manager }}{% endif -%}
    {%- elif base_package_type == 'deb' -%}
        {#- debian_package_install is a global in kolla; inlined here -#}
        apt-get --error-on=any update && apt-get -y install --no-install-recommends {{ packages | join(' ') }}
        {%- if clean %} && apt-get clean && rm -rf /var/lib/apt/lists/*{% endif -%}
    {%- endif -%}
{%- endif -%}
{%- endmacro %}

{% macro install_pip(packages, constraints = true, python_version = '3') -%}
{%- if packages is sequence and packages|length > 0 -%}
python{{ python_version }} -m pip --no-cache-dir install --upgrade{{ ' ' }}
{%- if constraints %}-c /requirements/upper-constraints.txt {% endif -%}
{{ packages | join(' ') }}
{%- else -%}
true
{%- endif -%}
{%- endmacro %}

{% macro configure_user(name, groups=None, shell=None, homedir=None) %}
{%- set user=users[name] %}
{%- if not homedir %}
  {%- set homedir='/var/lib/' + name %}
{%- endif %}
RUN usermod -a -G kolla {{ name }}
{%- if groups %} \
    && usermod -a -G {{ groups }} {{ name }}
{%- endif %}
{%- if shell %} \
    && usermod -s {{ shell }} {{ name }}
{%- endif %} \
    && mkdir -p {{ homedir }} \
    && chown -R {{ user.uid }}:{{ user.gid }} {{ homedir }}
{% endmacro %}

{% macro sed(file, expressions) -%}
RUN sed -i \
{% for expression in expressions -%}
{{ "    -e \"%s\"" | format(expression) }} \
{% endfor -%}
{{ "    " + file }}
{%- endmacro %}
"""

KOLLA_CTX = {
    "namespace": "kolla", "image_prefix": "", "tag": "2026.2-debian-trixie",
    "base_package_type": "deb", "distro_package_manager": "apt", "base_distro": "debian",
    "clean_package_cache": True, "maintainer": "Kolla Project", "image_name": "nova-api",
    "users": {"nova": {"uid": 42436, "gid": 42436}, "kolla": {"uid": 42400, "gid": 42400},
              "Zuul": {"uid": 1, "gid": 1}, "aodh": {"uid": 42401, "gid": 42401}},
    "env": {"HOME": "/root"},
}

KOLLA_NOVA_API = """FROM {{ namespace }}/{{ image_prefix }}nova-base:{{ tag }}
{% block labels %}
LABEL maintainer="{{ maintainer }}" name="{{ image_name }}" build-date="{{ build_date }}"
{% endblock %}

{% block nova_api_header %}{% endblock %}

{% import "macros.j2" as macros with context %}

{% set nova_api_packages = [
    'python3-nova',
    'nova-api',
] %}
{% if base_distro in ['debian', 'ubuntu'] %}
    {% set nova_api_packages = nova_api_packages + ['apache2', 'libapache2-mod-wsgi-py3'] %}
{% endif %}

{{ macros.install_packages(nova_api_packages | unique) }}

{{ macros.configure_user(name='nova') }}
{{ macros.sed('/etc/nova/nova.conf', ['s/a/b/', "s|x|y|"]) }}
RUN {{ macros.install_pip(['pkg1', 'pkg2']) }}
RUN {{ macros.install_pip([], constraints=false) }}

COPY extend_start.sh /usr/local/bin/kolla_extend_start
RUN chmod 644 /usr/local/bin/kolla_extend_start{% if env.http_proxy %} \\
    && echo proxy{% endif %}

{% block nova_api_footer %}{% endblock %}
{% block footer %}{% endblock %}

USER nova
"""
case("kolla-nova-api-deb", KOLLA_NOVA_API, context=KOLLA_CTX, files={"macros.j2": KOLLA_MACROS})
case("kolla-nova-api-rpm", KOLLA_NOVA_API, context=dict(KOLLA_CTX, base_package_type="rpm", distro_package_manager="dnf", base_distro="rocky", clean_package_cache=False),
     files={"macros.j2": KOLLA_MACROS})
case("kolla-nova-api-strict", KOLLA_NOVA_API, context=dict(KOLLA_CTX, build_date="2026"), env=STRICT, files={"macros.j2": KOLLA_MACROS}, error="UndefinedError")
case("kolla-override-template", """{% extends parent_template %}
{% set nova_api_packages_append = ['extra-pkg'] %}
{% block nova_api_header %}
RUN echo header
{% endblock %}
{% block nova_api_footer %}
{{ super() }}
RUN echo footer {{ nova_api_packages_append | join(' ') }}
{% endblock %}
""", context=dict(KOLLA_CTX, parent_template="nova-api/Dockerfile.j2"),
     files={"macros.j2": KOLLA_MACROS, "nova-api/Dockerfile.j2": KOLLA_NOVA_API})
case("kolla-override-footer-macros-from-parent", """{% extends parent_template %}
{% block footer %}
{{ macros.install_packages(['vim'], chain=True) }}
{% endblock %}
""", context=dict(KOLLA_CTX, parent_template="nova-api/Dockerfile.j2"),
     files={"macros.j2": KOLLA_MACROS, "nova-api/Dockerfile.j2": KOLLA_NOVA_API})
case("kolla-customizable-like-macro", """{% macro customizable(lst, call_type) -%}
{%- set key = image_name|replace('-', '_') ~ '_' ~ call_type ~ '_' -%}
{{ lst + (self_vars.get(key ~ 'append', [])) }}
{%- endmacro %}
{% set pkgs = ['a', 'b'] %}
{{ customizable(pkgs, 'packages') }}
""", context=dict(KOLLA_CTX, self_vars={"nova_api_packages_append": ["z"]}))
case("kolla-customizable-missing-filter-toplevel", "{% set p = ['a'] %}\n{% set p = p | customizable('packages') %}\n{{ p }}\n", error="TemplateAssertionError")
case("kolla-base-users-loop", """RUN {% for name, user in users | dictsort() %}
{% if loop.first %}{% else %}    && {% endif %}groupadd --gid {{ user.gid }} {{ user.group|default(name) }} \\
    && useradd -l -M --shell /usr/sbin/nologin --uid {{ user.uid }} --gid {{ user.gid }} {{ name }}{% if not loop.last %} \\{% endif %}

{% endfor %}
""", context=KOLLA_CTX)
case("kolla-base-users-loop-trim", """RUN {% for name, user in users | dictsort() %}
{% if not loop.first %}    && {% endif %}useradd --uid {{ user.uid }} {{ name }}{{ ' \\\\' if not loop.last }}
{% endfor %}
""", context=KOLLA_CTX, env=BOTH)
case("kolla-rpm-setup-list", "{% for cmd in rpm_setup %}{{ cmd }}\n{% endfor %}", context={"rpm_setup": ["RUN a", "COPY b /c", "RUN d \\\n    && e"]})
case("kolla-apt-sources", """{% set apt_keys = ['a.asc', 'b.gpg'] %}
{% for key in apt_keys %}
COPY apt-keys/{{ key }} /etc/kolla/apt-keys/{{ key }}
{% endfor %}
RUN {{ 'echo %s > %s' | format(*['deb x', '/etc/apt/sources.list']) }}
{{ "RUN echo '%s'" % supported_distro_name }}
""", context={"supported_distro_name": "Debian GNU/Linux 13 (trixie)"})
case("kolla-block-nested-in-if-header", """FROM x
{% if base_package_type == 'rpm' %}
{% block base_rpm_header %}rpm{% endblock %}
{% elif base_package_type == 'deb' %}
{% block base_deb_header %}deb{% endblock %}
{% endif %}
END
""", context=KOLLA_CTX)
case("kolla-override-block-in-untaken-if", """{% extends 'p.j2' %}{% block base_rpm_header %}OVERRIDDEN{% endblock %}{% block base_deb_header %}DEB-OVR{% endblock %}
""", context=KOLLA_CTX, files={"p.j2": """FROM x
{% if base_package_type == 'rpm' %}
{% block base_rpm_header %}rpm{% endblock %}
{% elif base_package_type == 'deb' %}
{% block base_deb_header %}deb{% endblock %}
{% endif %}
END"""})
case("kolla-env-proxy", "{% if env.http_proxy is defined %}ENV http_proxy={{ env.http_proxy }}{% endif %}[{{ env.HOME }}][{{ env.nope }}]\n", context=KOLLA_CTX)
case("kolla-lower-and-default", "{{ (openstack_release_codename|default('Hibiscus'))|lower }} {{ base_arch|default('x86_64') }} {{ 'aarch64' if base_arch == 'aarch64' else 'amd64' }}\n")
case("kolla-install-packages-undefined", "{% import 'macros.j2' as macros with context %}[{{ macros.install_packages(nope) }}][{{ macros.install_packages([]) }}]\n",
     context=KOLLA_CTX, files={"macros.j2": KOLLA_MACROS})
case("kolla-install-packages-string-not-sequence", "{% import 'macros.j2' as macros with context %}[{{ macros.install_packages('vim') }}]\n",
     context=KOLLA_CTX, files={"macros.j2": KOLLA_MACROS})
case("kolla-configure-user-unknown", "{% import 'macros.j2' as macros with context %}{{ macros.configure_user(name='nosuch') }}\n",
     context=KOLLA_CTX, files={"macros.j2": KOLLA_MACROS}, error="UndefinedError")
case("kolla-macros-without-context", "{% import 'macros.j2' as macros %}{{ macros.install_packages(['x']) }}\n",
     context=KOLLA_CTX, files={"macros.j2": KOLLA_MACROS})
case("kolla-crlf-dockerfile", "FROM a\r\n{% block h %}{% endblock %}\r\nRUN x \\\r\n    && y\r\n", env={})
case("kolla-set-list-multiline-trailing-comma", "{% set l = [\n    'a',\n    'b',\n] %}{{ l|length }} {% set d = {\n 'k': 1,\n} %}{{ d }} {% set t = (1, 2,) %}{{ t }}\n")
case("kolla-format-with-list-join", "{{ '%s %s'|format('RUN', ['a', 'b']|join(' && ')) }}\n")
case("kolla-sources-section-var", "{{ 'ADD %s-archive /%s-source' % (name, name) }}\n", context={"name": "nova"})
case("kolla-header-footer-empty-blocks-trim", """FROM base
{% block keystone_header %}{% endblock %}
RUN x
{% block keystone_footer %}{% endblock %}
{% block footer %}{% endblock %}
""", env=TRIM)
case("kolla-image-name-replace", "{% set key = image_name|replace('-', '_') %}{% set v = key ~ '_packages_override' %}{{ v }} {{ v in vars_ }} {{ vars_[v]|default('none') }}\n",
     context={"image_name": "nova-api", "vars_": {"nova_api_packages_override": ["x"]}})
case("kolla-healthcheck-if-chain", """{% if use_dumb_init %}ENTRYPOINT ["dumb-init", "--single-child", "--"]{% endif %}
{% if docker_healthchecks %}
COPY healthcheck_curl healthcheck_filemod /usr/local/bin/
RUN chmod 755 /usr/local/bin/healthcheck_*
{% endif %}
CMD ["kolla_start"]
""", context={"use_dumb_init": True, "docker_healthchecks": False})
case("kolla-nova-api-deb-no-unique", KOLLA_NOVA_API.replace("nova_api_packages | unique", "nova_api_packages"), context=KOLLA_CTX, files={"macros.j2": KOLLA_MACROS})
case("kolla-nova-api-rpm-no-unique", KOLLA_NOVA_API.replace("nova_api_packages | unique", "nova_api_packages"),
     context=dict(KOLLA_CTX, base_package_type="rpm", distro_package_manager="dnf", base_distro="rocky", clean_package_cache=False),
     files={"macros.j2": KOLLA_MACROS})
case("kolla-override-no-unique", """{% extends parent_template %}
{% block nova_api_header %}
RUN echo header
{% endblock %}
{% block nova_api_footer %}
{{ super() }}
{{ macros.install_packages(['vim'] | list, chain=True) }}
{% endblock %}
""", context=dict(KOLLA_CTX, parent_template="nova-api/Dockerfile.j2"),
     files={"macros.j2": KOLLA_MACROS, "nova-api/Dockerfile.j2": KOLLA_NOVA_API.replace("nova_api_packages | unique", "nova_api_packages")})

# ============================== lazy filter results (generators / iterators)
case("gen-is-sequence", "{{ ([1, 2]|unique) is sequence }} {{ ([1]|select) is sequence }} {{ ([1]|map('string')) is sequence }} {{ ([1, 2]|reverse) is sequence }} {{ ([2, 1]|sort) is sequence }} {{ ([1]|unique|list) is sequence }} {{ ('ab'|reverse) is sequence }}\n")
case("gen-is-iterable", "{{ ([1]|select) is iterable }} {{ ([1]|reject) is iterable }} {{ ({}.keys()) is sequence }} {{ ([1]|batch(1)) is sequence }} {{ ([1]|slice(1)) is sequence }} {{ ({'a': 1}|dictsort) is sequence }} {{ ({'a': 1}|items) is sequence }}\n")
case("gen-length-of-select", "{{ [1, 2]|select|length }}\n", error="TypeError")
case("gen-length-of-unique", "{{ [1, 1]|unique|length }}\n", error="TypeError")
case("gen-length-of-map", "{{ ['a']|map('upper')|length }}\n", error="TypeError")
case("gen-length-of-reverse", "{{ [1, 2]|reverse|length }}\n", error="TypeError")
case("gen-count-of-list-filters", "{{ [1, 2]|list|length }} {{ [2, 1]|sort|length }} {{ 'ab'|reverse|length }} {{ {'a': 1}|dictsort|length }} {{ {'a': 1}.items()|length }}\n")
case("gen-subscript", "[{{ ([1, 2]|select)[0] }}] [{{ ([1, 2]|reverse)[0] }}] [{{ ([1, 2]|unique|list)[0] }}] [{{ {'a': 1}.keys()[0] }}]\n")
case("gen-consumed-twice", "{% set g = [1, 2]|select %}{% for x in g %}{{ x }}{% endfor %}|{% for x in g %}{{ x }}{% endfor %}|{{ g|list }}\n")
case("gen-consumed-by-list", "{% set g = ['a', 'b']|map('upper') %}{{ g|list }}{{ g|list }}\n")
case("gen-first-of-generator", "{{ [3, 1]|select|first }} {{ [3, 1]|unique|first }} {{ ['a']|map('upper')|join }} {{ [1, 2]|reverse|first }}\n")
case("gen-last-of-generator", "{{ [3, 1]|select|last }}\n", error="TypeError")
case("gen-loop-length", "{% for x in [1, 2, 3]|select('odd') %}{{ loop.length }}{{ loop.last }}{% endfor %}\n")
case("gen-in-test", "{{ 1 in ([1, 2]|select) }} {{ 'a' in ['a']|map('lower') }}\n")
case("gen-bool", "{{ 'yes' if ([]|select) else 'no' }} {{ 'yes' if ([]|select|list) else 'no' }} {{ ([]|unique) is true }}\n")
case("gen-sum-of-map", "{{ rows|map(attribute='n')|sum }} {{ rows|map(attribute='n')|max }} {{ rows|map(attribute='n')|sort }}\n", context={"rows": [{"n": 2}, {"n": 5}]})
case("gen-tojson-generator", "{{ [1]|select|tojson }}\n", error="TypeError")
case("gen-concat-list-plus-generator", "{{ [1] + ([2]|select) }}\n", error="TypeError")
case("gen-join-on-reverse-dict", "{{ {'a': 1, 'b': 2}|reverse|join }} {{ {'a': 1}.values()|list }} {{ {'a': 1}.values() is sequence }}\n")
case("gen-macro-sequence-guard", "{% macro m(p) %}{% if p is sequence and p|length > 0 %}yes:{{ p|join(',') }}{% else %}no{% endif %}{% endmacro %}{{ m(['b', 'a']|sort) }} {{ m(['b', 'a']|unique) }} {{ m(['x']|select) }} {{ m('str') }} {{ m({'k': 1}) }}\n")
case("gen-range-is-sequence", "{{ range(3) is sequence }} {{ range(3)|length }} {{ range(3)[1] }} {{ range(3)[::-1]|list }}\n")
case("gen-string-of-range", "{{ range(3) }} {{ range(1, 5, 2) }}\n")
case("gen-batch-is-generator-len", "{{ [1, 2, 3]|batch(2)|length }}\n", error="TypeError")
case("gen-slice-is-generator-len", "{{ [1, 2, 3]|slice(2)|length }}\n", error="TypeError")
case("gen-dictsort-of-generator", "{{ ([1]|select)|dictsort }}\n", error="AttributeError")

# ======================================================= lazy values (round 2)
# generators are lazy (errors surface when iterated), one-shot, and chain lazily;
# dict views are live; range objects slice, index, compare and print as Python's.
case("lazy-map-unknown-filter-not-iterated", "[{{ ([1]|map('nosuchfilter')) is iterable }}]\n")
case("lazy-map-unknown-filter-iterated", "{{ [1]|map('nosuchfilter')|list }}\n", error="TemplateRuntimeError")
case("lazy-map-empty-skips-prepare", "{{ []|map('nosuchfilter')|list }} {{ []|select('nosuchtest')|list }}\n")
case("lazy-select-unknown-test", "{{ [1]|select('nosuchtest')|list }}\n", error="TemplateRuntimeError")
case("lazy-map-missing-filter-arg", "{{ [1]|map|list }}\n", error="FilterArgumentError")
case("lazy-map-attribute-default-none", "{{ [{'a': 1}, {}]|map(attribute='a', default=none)|list }}\n")
case("lazy-map-extra-kwarg", "{{ [{'a': 1}]|map(attribute='a', x=1)|list }}\n", error="FilterArgumentError")
case("lazy-first-consumes-one", "{% set g = [1, 2, 3]|select %}{{ g|first }}{{ g|list }}\n")
case("lazy-in-consumes-until-found", "{% set g = [1, 2, 3]|select %}{{ 2 in g }}{{ g|list }}{{ 9 in g }}\n")
case("lazy-chain-unique-map-select", "{{ ['b', 'a', 'B', 'c']|map('lower')|unique|reject('eq', 'c')|join(',') }}\n")
case("lazy-generator-of-generator-consumed", "{% set g = [1, 2, 3]|select %}{% set h = g|map('string') %}{{ h|list }}{{ g|list }}\n")
case("lazy-reverse-list-is-live", "{% set l = [1, 2, 3] %}{% set r = l|reverse %}{% set _ = l.pop() %}{{ r|list }}\n")
case("lazy-list-append-during-map", "{% set l = [1, 2] %}{% set g = l|map('string') %}{% set _ = l.append(3) %}{{ g|join }}\n")
case("lazy-batch-variants", "{{ [1, 2, 3]|batch(2)|list }} {{ [1]|batch(0)|list }} {{ []|batch(2)|list }} {{ 'abc'|batch(2, 'x')|list }}\n")
case("lazy-batch-missing-arg", "{{ [1]|batch }}\n", error="TypeError")
case("lazy-slice-zero", "{{ [1, 2]|slice(0)|list }}\n", error="ZeroDivisionError")
case("lazy-slice-zero-not-iterated", "[{{ ([1, 2]|slice(0)) is iterable }}]\n")
case("lazy-slice-negative", "{{ [1, 2]|slice(-1)|list }} {{ range(5)|slice(3)|list }}\n")
case("lazy-items-not-mapping-lazy", "{{ (5|items) is iterable }}\n")
case("lazy-items-not-mapping-iterated", "{{ 5|items|list }}\n", error="TypeError")
case("lazy-items-undefined", "{{ nope|items|list }}\n")
case("lazy-unique-unhashable", "{{ [[1], [1]]|unique|list }}\n", error="TypeError")
case("lazy-unique-attribute", "{{ [{'n': 'A'}, {'n': 'a'}, {'n': 'b'}]|unique(attribute='n')|map(attribute='n')|join }}\n")
case("lazy-generator-bool-and-none", "{{ ([]|select) is none }} {{ ([]|select) == ([]|select) }} {{ not ([]|select) }}\n")
case("lazy-generator-sameas-self", "{% set g = [1]|select %}{{ g is sameas g }} {{ g == g }}\n")
case("lazy-reverse-tuple-dict-range", "{{ (1, 2)|reverse|list }} {{ {'a': 1, 'b': 2}|reverse|list }} {{ range(3)|reverse|list }} {{ {'a': 1}.items()|reverse|list }}\n")
case("lazy-reverse-generator-gives-list", "{{ [1, 2]|select|reverse }}\n")
case("lazy-reverse-undefined", "{{ nope|reverse|list }}\n")
case("lazy-last-variants", "{{ range(4)|last }} {{ {'a': 1, 'b': 2}|last }} {{ (1, 2)|last }} {{ {'a': 1}.keys()|last }}\n")
case("lazy-last-of-int", "{{ 5|last }}\n", error="TypeError")
case("lazy-random-generator", "{{ [1]|select|random }}\n", error="TypeError")
case("lazy-random-range", "{{ range(1)|random }} {{ (range(5)|random) in range(5) }}\n")
case("lazy-sum-min-max-of-generators", "{{ [1, 2, 3]|select('odd')|sum }} {{ [3, 1]|select|min }} {{ [3, 1]|select|max }} {{ range(4)|sum }}\n")
case("lazy-sort-groupby-of-generator", "{{ [3, 1, 2]|select|sort }} {{ [{'a': 1}, {'a': 1}]|select|groupby('a')|map(attribute='grouper')|list }}\n")
case("lazy-string-methods-take-generators", "{{ ','.join(['a', 'b']|select) }} {{ dict([('a', 1)]|select) }} {{ {'x': 1}.items()|list }}\n")
case("lazy-unpack-generator", "{% set a, b = [1, 2]|select %}{{ a }}{{ b }}\n")
case("lazy-star-args-generator", "{% macro m(a, b) %}{{ a }}-{{ b }}{% endmacro %}{{ m(*([1, 2]|select)) }}\n")
case("lazy-loop-over-generator-twice", "{% set g = [1, 2]|map('string') %}{% for x in g %}{{ loop.index }}{{ loop.length }}{% endfor %}|{% for x in g %}{{ x }}{% else %}empty{% endfor %}\n")
case("lazy-urlencode-generator", "{{ [('a', 1), ('b', 2)]|select|urlencode }} {{ 5|urlencode }} {{ nope|urlencode }}|\n")
case("lazy-string-filter-of-generator-prefix", "{{ ([1]|select|string)[:26] }} {{ ([1]|reverse|string)[:28] }}\n")
case("lazy-pprint-of-view", "{{ {'a': [1]}.items()|pprint }} {{ range(2)|pprint }}\n")
case("view-live-after-update", "{% set d = {'a': 1} %}{% set k = d.keys() %}{% set v = d.values() %}{% set _ = d.update({'b': 2}) %}{{ k }} {{ v|list }} {{ k|length }}\n")
case("view-in-and-bool", "{% set d = {'a': 1} %}{{ 'a' in d.keys() }} {{ 1 in d.values() }} {{ ('a', 1) in d.items() }} {{ ('a', 2) in d.items() }} {{ 'x' if {}.keys() else 'empty' }}\n")
case("view-equality", "{{ {'a': 1}.keys() == {'a': 2}.keys() }} {{ {'a': 1}.items() == {'a': 1}.items() }} {{ {'a': 1}.values() == {'a': 1}.values() }} {{ {'a': 1}.keys() == ['a'] }}\n")
case("view-tojson", "{{ {'a': 1}.keys()|tojson }}\n", error="TypeError")
case("view-subscript-undefined", "[{{ {'a': 1}.values()[0] }}] [{{ {'a': 1}.items()[0] is defined }}]\n")
case("view-dictsort", "{{ {'a': 1}.items()|dictsort }}\n", error="AttributeError")
case("view-join-sort-list", "{{ {'b': 1, 'a': 2}.keys()|sort|join }} {{ {'b': 1, 'a': 2}.values()|list }} {{ {'b': 1}.items()|first }}\n")
case("range-repr-variants", "{{ range(5) }} {{ range(2, 5) }} {{ range(0, 10, 3) }} {{ range(5, 0, -2) }} {{ range(-3) }} {{ [range(2)] }}\n")
case("range-index-slice", "{{ range(10)[3] }} {{ range(10)[-1] }} [{{ range(3)[5] }}] {{ range(10)[2:8:2] }} {{ range(10)[::-3] }} {{ range(0, 10, 3)[1:] }} {{ range(5)[10:] }}\n")
case("range-in-and-count", "{{ 3 in range(0, 10, 3) }} {{ 4 in range(0, 10, 3) }} {{ 3.0 in range(5) }} {{ 'a' in range(5) }} {{ -1 in range(0, -5, -1) }} {{ range(5).index(3) }} {{ range(5).count(2) }}\n")
case("range-attrs-equality-bool", "{{ range(1, 7, 2).start }}{{ range(1, 7, 2).stop }}{{ range(1, 7, 2).step }} {{ range(0) == range(3, 3) }} {{ range(0, 3, 2) == range(0, 4, 2) }} {{ range(3) == [0, 1, 2] }} {{ 'y' if range(0) else 'n' }}\n")
case("range-filters", "{{ range(3)|length }} {{ range(3)|list }} {{ range(3)|join('-') }} {{ range(3)|first }} {{ range(3)|map('string')|join }} {{ range(5)|batch(2)|list }}\n")
case("range-tojson", "{{ range(3)|tojson }}\n", error="TypeError")
case("range-plus-list", "{{ range(3) + [1] }}\n", error="TypeError")
case("range-too-big", "{{ range(200000) }}\n", error="OverflowError")
case("range-loop-and-loop-vars", "{% for i in range(1, 4) %}{{ i }}{{ loop.revindex }}{% endfor %} {% for i in range(0) %}x{% else %}none{% endfor %}\n")
case("range-in-macro-sequence-guard", "{% macro m(p) %}{{ 'seq' if p is sequence else 'no' }}{% endmacro %}{{ m(range(2)) }} {{ m({}.keys()) }} {{ m([1]|reverse) }}\n")
case("lazy-reprs", "{{ [1]|unique }} {{ [1]|select }} {{ [1]|map('string') }} {{ [1]|batch(1) }} {{ [1]|slice(1) }} {{ {}|items }} {{ [1]|reverse }} {{ (1,)|reverse }} {{ range(2)|reverse }} {{ {}.values()|reverse }} {{ [[1]|select] }}\n")

# ============================================================= undefined (round 2)
# every remaining filter and test, and more operations, on a missing variable
UNDEF_EXPRS_2 = [
    ("attr-filter", "{{ u|attr('x') }}"), ("forceescape", "{{ u|forceescape }}"), ("safe", "[{{ u|safe }}]"),
    ("random", "[{{ u|random }}]"), ("rejectattr", "{{ u|rejectattr('a')|list }}"), ("urlize", "[{{ u|urlize }}]"),
    ("format-self", "[{{ u|format }}]"), ("reject", "{{ u|reject|list }}"), ("truncate-defined", "{{ (u|truncate) is defined }}"),
    ("map-attr", "{{ u|map(attribute='a')|list }}"), ("sort-attr", "{{ u|sort(attribute='a') }}"), ("join-attr", "[{{ u|join(',', attribute='a') }}]"),
    ("sum-attr", "{{ u|sum(attribute='a') }}"), ("unique-attr", "{{ u|unique(attribute='a')|list }}"), ("min-attr", "[{{ u|min(attribute='a') }}]"),
    ("default-none", "{{ u|default(none) }}"), ("string-length", "{{ u|string|length }}"), ("items-filter", "{{ u|items|list }}"),
    ("list-length", "{{ u|list|length }}"), ("first-defined", "{{ u|first is defined }}"), ("reverse-print", "{{ (u|reverse) is iterable }}"),
    ("is-divisibleby", "{{ u is divisibleby 2 }}"), ("is-even", "{{ u is even }}"), ("is-lower", "{{ u is lower }}"), ("is-upper", "{{ u is upper }}"),
    ("is-escaped", "{{ u is escaped }}"), ("is-number", "{{ u is number }}"), ("is-integer", "{{ u is integer }}"), ("is-float", "{{ u is float }}"),
    ("is-boolean", "{{ u is boolean }}"), ("is-true", "{{ u is true }}"), ("is-mapping", "{{ u is mapping }}"), ("is-in", "{{ u is in [1] }}"),
    ("is-sameas", "{{ u is sameas u }}"), ("is-filter", "{{ u is filter }}"), ("is-test", "{{ u is test }}"), ("is-eq", "{{ u is eq 1 }}"),
    ("is-ne", "{{ u is ne 1 }}"), ("is-gt", "{{ u is gt 1 }}"), ("is-le", "{{ u is le 1 }}"), ("is-undefined", "{{ u is undefined }}"),
    ("tilde-self", "[{{ u ~ u }}]"), ("ne-self", "{{ u != u }}"), ("ge", "{{ u >= 1 }}"), ("floordiv", "{{ u // 2 }}"), ("truediv", "{{ u / 2 }}"),
    ("pow", "{{ u ** 2 }}"), ("rpow", "{{ 2 ** u }}"), ("pos", "{{ +u }}"), ("item-str", "{{ u['a'] }}"), ("str-in-undef", "{{ 'x' in u }}"),
    ("undef-in-str", "{{ u in 'abc' }}"), ("undef-in-undef", "{{ u in u }}"), ("join-list", "[{{ [u]|join }}]"), ("join-tuple", "[{{ (u, 1)|join }}]"),
    ("tojson-nested", "{{ {'a': u}|tojson }}"), ("not-not", "{{ not not u }}"), ("and-self", "[{{ u and u }}]"), ("or-none", "{{ u or none }}"),
    ("item-of-list-defined", "{{ [u][0] is defined }}"), ("call-method", "{{ u.x() }}"), ("range", "{{ range(u) }}"), ("dict-global", "{{ dict(u) }}"),
    ("str-join", "[{{ 'a'.join(u) }}]"), ("startswith", "{{ 'ab'.startswith(u) }}"), ("split", "{{ 'a,b'.split(u) }}"), ("dict-get", "{{ {}.get(u) }}"),
    ("list-index", "{{ [1].index(u) }}"), ("list-append", "{% set l = [] %}{% set _ = l.append(u) %}{{ l }}"), ("unpack-set", "{% set a, b = u %}ok"),
    ("format-attr", "{{ '{0.a}'.format(u) }}"), ("format-int", "{{ '%d' % u }}"), ("format-repr", "{{ '%r' % u }}"), ("format-key", "{{ '%(a)s' % u }}"),
    ("format-two", "{{ '%s %s' % u }}"), ("format-tuple", "[{{ '%s' % (u,) }}]"), ("filter-block", "{% filter upper %}[{{ u }}]{% endfilter %}"),
    ("set-block", "{% set x %}[{{ u }}]{% endset %}{{ x }}"), ("macro-default-arg", "{% macro m(a=u) %}[{{ a }}]{% endmacro %}{{ m() }}"),
    ("loop-else", "{% for x in u if x %}{{ x }}{% else %}e{% endfor %}"), ("namespace-attr", "{% set ns = namespace(a=u) %}[{{ ns.a }}]"),
    ("list-literal-len", "{{ [u, u]|length }}"), ("dict-literal-defined", "{{ {'k': u}['k'] is defined }}"), ("concat-str-undef-item", "{{ 'a' ~ d.missing }}"),
    ("cond-lenient-filter", "[{{ ('x' if false)|upper }}]"), ("cond-lenient-eq", "{{ ('x' if false) == none }}"), ("cond-lenient-add", "{{ ('x' if false) + 'a' }}"),
    ("cond-lenient-bool", "{{ 'y' if ('x' if false) else 'n' }}"), ("cond-lenient-length", "{{ ('x' if false)|length }}"),
]
for _n, _t in UNDEF_EXPRS_2:
    case("undef2-default-" + _n, _t + "\n", context={"d": {}})
    case("undef2-strict-" + _n, _t + "\n", context={"d": {}}, env=STRICT)

# ======================================================= scoping (round 2)
# Jinja's compile-time symbol resolution: frames, aliasing, includes, blocks.
SC_FILES = {"i.j2": "[{{ loop is defined }}|{{ x }}|{{ y }}|{{ a }}|{{ caller is defined }}|{{ super is defined }}]",
            "m.j2": "{% set shared = 'm' %}{% macro show() %}{{ shared }}|{{ ctxv }}{% endmacro %}{% import 'n.j2' as n %}{% from 'n.j2' import nm %}",
            "n.j2": "{% macro nm() %}N{% endmacro %}",
            "p.j2": "{% set pv = 'parent' %}<{% block b %}P{{ pv }}|{{ cv }}{% endblock %}>{% for i in [1, 2] %}{% block s scoped %}{{ i }}{% endblock %}{% endfor %}",
            "q.j2": "{% for x in [1] %}{% block b %}{{ x }}{% endblock %}{% endfor %}{% block c %}{{ loop is defined }}{% endblock %}"}
case("scope-set-block-filter-unknown-name", "{% set x | replace('a', y) %}a{% endset %}{{ x }}\n", context={"y": "Y"}, error="AssertionError")
case("scope-set-block-filter-known-name", "{% set x | replace('a', y) %}a{% endset %}{{ x }}{{ y }}\n", context={"y": "Y"})
case("scope-loop-used-then-include", "{% for x in [1] %}{{ loop.index }}{% include 'i.j2' %}{% endfor %}\n", files=SC_FILES)
case("scope-macro-default-later-param", "{% macro m(a=b, b=1) %}[{{ a }}|{{ b }}]{% endmacro %}{{ m() }}{{ m(b=5) }}\n", context={"b": "ctx"})
case("scope-set-loop-in-body", "{% for i in [1] %}{% set loop = 2 %}{% endfor %}\n", error="TemplateAssertionError")
case("scope-with-loop-target-in-nested", "{% for i in [1] %}{% with loop = 1 %}{% endwith %}{% endfor %}\n")
case("scope-set-loop-toplevel-ok", "{% set loop = 3 %}{{ loop }}\n")
case("scope-macro-reads-late-toplevel", "{% macro m() %}{{ x }}{% endmacro %}[{{ m() }}]{% set x = 1 %}[{{ m() }}]\n", context={"x": "ctx"})
case("scope-with-and-include", "{% with a = 1 %}{% set b = 2 %}{% include 'i.j2' %}{% endwith %}\n", context={"x": "X"}, files=SC_FILES)
case("scope-block-super-undefined-include", "{% block b %}{{ super is defined }}{% include 'i.j2' %}{% endblock %}\n", files=SC_FILES)
case("scope-caller-param-without-default", "{% macro m(caller) %}{{ caller() }}{% endmacro %}\n", error="TemplateAssertionError")
case("scope-caller-param-with-default", "{% macro m(caller=none) %}[{{ caller }}]{% endmacro %}{{ m() }}{% call m() %}x{% endcall %}\n")
case("scope-set-caller-then-load", "{% macro m() %}{% set caller = 1 %}{{ caller }}{% endmacro %}{{ m() }}\n")
case("scope-nested-loop-reads-outer-late-set", "{% for a in [1, 2] %}{% for b in [1] %}[{{ v }}]{% endfor %}{% set v = a %}{% endfor %}\n", context={"v": "ctx"})
case("scope-if-set-then-loop", "{% if true %}{% set x = 1 %}{% endif %}{% for i in [1] %}{{ x }}{% endfor %}\n", context={"x": "ctx"})
case("scope-toplevel-load-before-set", "{{ x }}{% for i in [1] %}{{ x }}{% endfor %}{% set x = 1 %}{{ x }}\n", context={"x": "ctx"})
case("scope-if-false-set-keeps-context", "{% for i in [1] %}{{ x }}{% endfor %}{% if false %}{% set x = 1 %}{% endif %}\n", context={"x": "ctx"})
case("scope-namespace-set-in-loop", "{% set ns = namespace(a=1) %}{% for i in [1] %}{% set ns.a = 2 %}{% endfor %}{{ ns.a }}\n")
case("scope-varargs-kwargs-declared", "{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, k=2) }}\n")
case("scope-kwargs-param-name", "{% macro m(kwargs) %}{{ kwargs }}{% endmacro %}{{ m(k=2) }}\n", error="TypeError")
case("scope-varargs-param-too-many", "{% macro m(varargs) %}{{ varargs }}{% endmacro %}{{ m(1, 2) }}\n", error="TypeError")
case("scope-macro-in-loop-sees-target", "{% for x in [1, 2] %}{% macro m() %}{{ x }}{% endmacro %}{{ m() }}{% endfor %}\n")
case("scope-set-self", "{% set self = 1 %}{{ self }}\n")
case("scope-specials-at-toplevel", "[{{ caller }}|{{ varargs }}|{{ kwargs }}|{{ loop }}|{{ super }}]\n")
case("scope-loop-alias-per-iteration", "{% set x = 0 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{{ x }}{% endfor %}{{ x }}\n")
case("scope-loop-resolve-context", "{% for i in [1, 2] %}{{ y }}{% set y = i %}{% endfor %}\n", context={"y": "c"})
case("scope-macro-alias-toplevel", "{% set x = 1 %}{% macro m() %}{{ x }}{% set x = 2 %}{{ x }}{% endmacro %}{{ m() }}{{ x }}\n")
case("scope-call-block-sees-callsite", "{% macro m() %}{{ caller() }}{% endmacro %}{% for i in [1, 2] %}{% call m() %}{{ i }}{% endcall %}{% endfor %}\n")
case("scope-call-block-args-and-caller-set", "{% macro m() %}{{ caller(3) }}{% endmacro %}{% set v = 'v' %}{% call(n) m() %}{{ n }}{{ v }}{% set v = 'w' %}{{ v }}{% endcall %}{{ v }}\n")
case("scope-filter-block-frame", "{% filter upper %}{% set z = 'a' %}{{ z }}{% endfilter %}[{{ z }}]\n", context={"z": "ctx"})
case("scope-set-block-frame", "{% set out %}{% set z = 'in' %}{{ z }}{% endset %}{{ out }}[{{ z }}]\n", context={"z": "ctx"})
case("scope-autoescape-is-scope", "{% autoescape false %}{% set q = 1 %}{{ q }}{% endautoescape %}[{{ q }}]\n", context={"q": "ctx"})
case("scope-with-values-outside", "{% set a = 1 %}{% with a = 2, b = a %}{{ a }}{{ b }}{% set c = 3 %}{% endwith %}{{ a }}[{{ c }}]\n")
case("scope-import-with-context-sees-locals", "{% for ctxv in ['loopv'] %}{% import 'm.j2' as m with context %}{{ m.show() }}{% endfor %}\n", context={"ctxv": "top"}, files=SC_FILES)
case("scope-import-without-context", "{% set ctxv = 'local' %}{% import 'm.j2' as m %}{{ m.show() }}|{{ m.n is defined }}|{{ m.nm is defined }}\n", context={"ctxv": "top"}, files=SC_FILES)
case("scope-from-import-reexport", "{% from 'm.j2' import n %}[{{ n }}]\n", files=SC_FILES)
case("scope-extends-child-sets", "{% extends 'p.j2' %}{% set cv = 'child' %}{% block b %}{{ super() }}/{{ pv }}/{{ cv }}{% endblock %}{% block s %}({{ i }}){% endblock %}\n", files=SC_FILES)
case("scope-extends-nonscoped-block-in-loop", "{% extends 'q.j2' %}{% block b %}[{{ x }}]{% endblock %}\n", files=SC_FILES)
case("scope-scoped-block-loop-index", "{% for i in 'ab' %}{% block b scoped %}{{ loop.index }}{{ i }}{% endblock %}{% endfor %}\n")
case("scope-extends-below-toplevel", "{% if true %}{% extends 'p.j2' %}{% endif %}\n", files=SC_FILES)
case("scope-extends-in-loop", "{% for i in [1] %}{% extends 'p.j2' %}{% endfor %}\n", files=SC_FILES, error="TemplateAssertionError")
case("scope-extends-in-block", "{% block z %}{% extends 'p.j2' %}{% endblock %}\n", files=SC_FILES, error="TemplateAssertionError")
case("scope-self-in-macro", "{% block t %}T{% endblock %}{% macro m() %}{{ self.t() }}{% endmacro %}{{ m() }}\n")
case("scope-required-block-message", "{% block r required %}{% endblock %}\n", error="TemplateRuntimeError")
case("scope-super-in-nested-block", "{% extends 'p.j2' %}{% block b %}{% block inner %}I{{ super is defined }}{% endblock %}{{ super() }}{% endblock %}\n", files=SC_FILES)
case("scope-recursive-loop-vars", "{% for n in t recursive %}{{ n.k }}{% set s = n.k %}{% if n.c %}({{ loop(n.c) }}){% endif %}{{ s }}{% endfor %}\n", context={"t": [{"k": "a", "c": [{"k": "b"}]}, {"k": "c"}]})
case("scope-loop-filter-sees-outer", "{% set lim = 1 %}{% for x in [1, 2, 3] if x > lim %}{{ x }}{% endfor %}\n")
case("scope-loop-filter-no-loop-var", "{% for x in [1, 2] if loop is undefined %}{{ x }}{% endfor %}\n")
case("scope-loop-else-frame", "{% for x in [] %}{% else %}{% set e = 1 %}{{ e }}{{ x }}{% endfor %}[{{ e }}]\n", context={"x": "cx"})
case("scope-include-sees-loop-target-and-sets", "{% set y = 'top' %}{% for x in [1] %}{% set y = 'loop' %}{% include 'i.j2' %}{% endfor %}\n", files=SC_FILES)
case("scope-include-in-macro-sees-params", "{% macro m(x, a=2) %}{% include 'i.j2' %}{% endmacro %}{{ m(1) }}\n", files=SC_FILES)
case("scope-include-in-call-block-caller", "{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}{% include 'i.j2' %}{% endcall %}\n", files=SC_FILES)
case("scope-unknown-filter-order", "{{ x|nope1|nope2 }}\n", error="TemplateAssertionError")
case("scope-unknown-filter-in-condexpr-value", "{{ x|nope if false }}|{{ 'y' if true else x|nope }}\n")
case("scope-unknown-test-in-if", "{% if x is nope %}{% endif %}ok\n", error="TemplateRuntimeError")
case("scope-macro-closure-sees-later-toplevel", "{% macro m() %}{{ helper() }}{% endmacro %}{% macro helper() %}H{% endmacro %}{{ m() }}\n")
case("scope-macro-recursion-by-name", "{% macro f(n) %}{{ n }}{% if n > 0 %}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}\n")
case("scope-pass-context-like-range-shadow", "{% set range = 5 %}{{ range }}\n")
case("scope-global-shadowed-in-loop", "{% for range in [1] %}{{ range }}{% endfor %}{{ range(2)|list }}\n")

# ======================================================= Unicode whitespace and names (round 2)
case("wsu-minus-all-kinds", "a\u0085\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\x1c\x1f {{- 'b' -}} \u00a0\u3000\x1dc\n")
case("wsu-minus-block-and-comment", "x\u00a0 {%- if true -%}\u2003y\u00a0{#- c -#}\u3000z{%- endif %}\n")
case("wsu-minus-raw", "a\u3000{%- raw -%}\u00a0r\u00a0{%- endraw -%}\u2003b\n")
case("wsu-lstrip-variants", "a\n\u2003\t{% if true %}b\n\u00a0{% endif %}\n\u3000{# c #}x\n", env={"lstrip_blocks": True})
case("wsu-lstrip-not-when-text", "a\n\u00a0x {% if true %}b{% endif %}\n", env={"lstrip_blocks": True})
case("wsu-inside-tags", "{{\u00a0'a'\u3000~\u2003'b'\u00a0}}{%\u00a0if\u00a0true\u00a0%}y{%\u00a0endif\u00a0%}\n")
case("wsu-trailing-nonspace-multibyte", "é {{- 'x' -}} €\n")
case("wsu-identifier-unicode", "{% set café = 1 %}{{ café }}{% set _ñ2 = 2 %}{{ _ñ2 }}\n")
case("wsu-identifier-invalid", "{{ x€ }}\n", error="TemplateSyntaxError")
case("wsu-identifier-digit-start", "{{ ٣ }}\n", error="TemplateSyntaxError")
case("wsu-identifier-combining", "{% set ä = 1 %}{{ ä }}\n")

# ======================================================= pprint, str/int details (round 2)
case("pp-nested-wrap", "{{ d|pprint }}\n", context={"d": {"a": {"x" * 30: list(range(30)), "b": ["y" * 70]}, "z": "z" * 100}})
case("pp-list-long-strings", "{{ ['short', 'x' * 90]|pprint }}\n{{ ('word ' * 30)|pprint }}\n{{ ('line one\\nline two ' * 8)|pprint }}\n")
case("pp-mixed-keys-and-tuples", "{{ {1: 'a', 'b': 2, (1, 2): none, 2.5: [1]}|pprint }} {{ (1,)|pprint }} {{ ()|pprint }} {{ [[]]|pprint }}\n")
case("pp-tuple-wrap", "{{ (('a' * 50, 'b' * 50), 'c')|pprint }}\n")
case("pp-recursive-list", "{% set l = [1] %}{% set _ = l.append(l) %}{{ (l|pprint)[:18] }}\n")
case("pp-views-and-objects", "{{ {'b': 1, 'a': 2}.items()|pprint }} {{ range(3)|pprint }} {{ none|pprint }} {{ 'it\\'s'|pprint }}\n")
case("str-case-mapping", "{{ 'ǆemal'.capitalize() }} {{ 'ǆemal'|capitalize }} {{ 'ǆ ǅ'.title() }} {{ 'ΣΑΣ ΟΔΟΣ.'|lower }} {{ 'ΌΣΟΣ'.lower() }} {{ 'Σ'.lower() }} {{ 'aΣb'.lower() }} {{ 'ΑΣ'.swapcase() }} {{ 'ﬁ ß ẞ'.upper() }} {{ 'ẞ ﬁ Σ ς µ'.casefold() }}\n")
case("str-case-predicates", "{{ 'ǅ'.istitle() }} {{ 'ǅ'.isupper() }} {{ 'ǅ'.islower() }} {{ 'ǆ'.islower() }} {{ 'ⅻ'.islower() }} {{ 'A1'.isupper() }} {{ 'Hello World'.istitle() }} {{ 'Hello world'.istitle() }} {{ ''.istitle() }} {{ 'Ǆ'|upper is upper }}\n")
case("str-numeric-predicates", "{{ '²'.isdigit() }} {{ '²'.isdecimal() }} {{ '½'.isnumeric() }} {{ '½'.isdigit() }} {{ '١٢'.isdecimal() }} {{ 'Ⅻ'.isnumeric() }} {{ 'ab½'.isalnum() }} {{ 'aé'.isalpha() }} {{ 'a1'.isalpha() }} {{ 'é'.isascii() }} {{ 'a\\tb'.isprintable() }} {{ 'ab'.isprintable() }}\n")
case("str-title-filter-unicode", "{{ 'ǆemal (σας)-ΣΑΣ'|title }} {{ \"o'neil mc-donald\"|title }} {{ 'x\\u00a0y'|title }}\n")
case("str-wordcount-unicode", "{{ 'héllo wörld ½ x_y'|wordcount }}\n")
case("str-named-escapes", "{{ '\\N{BULLET}\\N{bullet}\\N{LATIN SMALL LETTER E WITH ACUTE}\\N{CJK UNIFIED IDEOGRAPH-4E00}\\N{HANGUL SYLLABLE GA}\\N{LATIN CAPITAL LETTER GHA}' }}\n")
case("str-named-escape-unknown", "{{ '\\N{NO SUCH CHARACTER}' }}\n", error="TemplateSyntaxError")
case("str-named-escape-malformed", "{{ '\\N{BULLET' }}\n", error="TemplateSyntaxError")
case("num-methods", "{{ (255).bit_length() }} {{ (-255).bit_length() }} {{ (0).bit_length() }} {{ (7).bit_count() }} {{ (5).conjugate() }} {{ (5).as_integer_ratio() }} {{ true.bit_length() }} {{ (10).real }} {{ (10).imag }} {{ (10).numerator }} {{ (10).denominator }} {{ true.real }}\n")
case("num-float-methods", "{{ 3.0.is_integer() }} {{ 3.5.is_integer() }} {{ 0.1.as_integer_ratio() }} {{ (-2.5).as_integer_ratio() }} {{ 1.5.hex() }} {{ (-0.0).hex() }} {{ 1e-310.hex() }} {{ 1.0.fromhex('0x1.8p1') }} {{ 2.5.real }} {{ 2.5.imag }} {{ 2.5.conjugate() }}\n")
case("num-int-is-integer-missing", "{{ (5).is_integer() }}\n", error="UndefinedError")
case("num-float-ratio-inf", "{{ (x * 10).as_integer_ratio() }}\n", context={"x": 1e308}, error="OverflowError")
case("urlize-variants", """{{ 'see http://example.com/a?b=1&c=2, (www.example.org) or mail me@example.com.'|urlize }}
{{ 'go https://x.io/path) and <http://a.b/c> then example.com!'|urlize }}
{{ 'long http://example.com/aaaaaaaaaaaaaaaaaaaa'|urlize(20) }}|{{ 'x http://e.com'|urlize(nofollow=true, target='_blank', rel='me') }}
{{ 'mailto:a@b.co and @x@y.z and ftp://f.example and http://10.0.0.1:80/x'|urlize }}
{{ 'tel:123 and tel:'|urlize(extra_schemes=['tel:']) }}|{{ '<script>'|urlize }}|{{ 5|urlize }}|{{ '  lead and trail  '|urlize }}
""")
case("urlize-bad-scheme", "{{ 'x'|urlize(extra_schemes=['t']) }}\n", error="FilterArgumentError")
case("lexorder-unbalanced-paren", "{{ x ) }}\n", error="TemplateSyntaxError")
case("lexorder-parser-first", "{% for %}{{ 'unterminated }}\n", error="TemplateSyntaxError")
case("lexorder-lexer-first", "{{ 'unterminated }}{% for %}\n", error="TemplateSyntaxError")
case("lexorder-bad-char-after-error", "{% if x y %}{{ § }}\n", error="TemplateSyntaxError")
case("lexorder-unclosed-comment", "a\n{% if x %}\n{# never\n", error="TemplateSyntaxError")
case("lexorder-unclosed-raw-in-for", "{% for x in y %}{% raw %}\n", error="TemplateSyntaxError")
case("lexorder-eof-line-after-comment", "{% if x %}{# c #}\n\n", error="TemplateSyntaxError")
case("lexorder-raw-at-end", "a{% raw %}")
case("lexorder-raw-unclosed-text", "{% raw %}x", error="TemplateSyntaxError")

# ======================================================= every filter on lazy values (round 2)
LAZY_INPUTS = [("gen", "([3, 1, 2]|select)"), ("range", "range(3)"), ("keys", "{'b': 1, 'a': 2}.keys()"),
               ("items", "{'b': 1}.items()"), ("revit", "([1, 2]|reverse)")]
LAZY_FILTERS = ["abs", "attr('x')", "batch(2)|list", "capitalize", "center(3)", "count", "default('d')",
                "dictsort", "e", "escape", "filesizeformat", "first", "float", "forceescape", "format",
                "groupby(0)|list", "indent", "int", "items|list", "join(',')", "last", "length", "list", "lower",
                "map('string')|list", "max", "min", "pprint", "reject|list", "rejectattr('x')|list", "replace('a', 'b')",
                "reverse|list", "round", "safe", "select|list", "selectattr('x')|list", "slice(2)|list", "sort",
                "string", "striptags", "sum", "title", "tojson", "trim", "truncate", "unique|list", "upper",
                "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr"]
for _in, _e in LAZY_INPUTS:
    for _f in LAZY_FILTERS:
        _name = _f.split("(")[0].split("|")[0]
        # (upper, title and replace would rewrite an object address past the harness's masking)
        if _in in ("gen", "revit") and _name in ("upper", "title", "replace"):
            continue
        case("lazyf-%s-%s" % (_in, _name), "{{ %s|%s }}\n" % (_e, _f))

# ======================================================= every filter on plain values (round 2)
SWEEP_INPUTS = [("int", "5"), ("neg", "-3"), ("float", "2.5"), ("none", "none"), ("true", "true"), ("list", "[3, 'a', 2]"),
                ("ints", "[3, 1, 2]"), ("dict", "{'b': 1, 'a': none}"), ("tuple", "(1, 'x')"), ("str", "'Hello wörld-x'"),
                ("empty", "''")]
SWEEP_FILTERS = ["abs", "attr('x')", "batch(2)|list", "capitalize", "center(3)", "count", "default('d')",
                 "dictsort", "e", "filesizeformat", "first", "float", "forceescape", "format",
                 "groupby(0)|list", "indent(2, true)", "int", "items|list", "join(',')", "last", "length", "list", "lower",
                 "map('string')|list", "max", "min", "pprint", "random is defined", "reject|list", "rejectattr('x')|list",
                 "replace('a', 'b')", "reverse|list", "round", "safe", "select|list", "selectattr('x')|list", "slice(2)|list",
                 "sort", "string", "striptags", "sum", "title", "tojson", "trim", "truncate(5)", "unique|list", "upper",
                 "urlencode", "urlize", "wordcount", "wordwrap(5)", "xmlattr", "string|length", "d(none)"]
for _in, _e in SWEEP_INPUTS:
    for _f in SWEEP_FILTERS:
        if _in == "dict" and _f.startswith("random"):
            continue  # (a KeyError for a random index: not deterministic)
        _n = _f.replace("(", "-").replace(")", "").replace("|", "-").replace(" ", "-").replace("'", "").replace(",", "")
        case("sweepf-%s-%s" % (_in, _n), "{{ %s|%s }}\n" % (_e, _f))

# ======================================================= every test and operator on many types (round 2)
SWEEP_VALUES = [("int", "5"), ("float", "2.5"), ("zero", "0"), ("none", "none"), ("true", "true"), ("list", "[1, 'a']"),
                ("dict", "{'a': 1}"), ("tuple", "(1, 2)"), ("str", "'ab'"), ("range", "range(2)"), ("gen", "([1]|select)"),
                ("keys", "{'a': 1}.keys()"), ("undef", "nope")]
SWEEP_TESTS = ["odd", "even", "divisibleby(2)", "defined", "undefined", "none", "boolean", "false", "true", "integer",
               "float", "number", "string", "mapping", "sequence", "iterable", "callable", "sameas(5)", "escaped",
               "lower", "upper", "in([1, 'ab', 5])", "eq(5)", "ne(5)", "gt(1)", "le(1)", "filter", "test"]
for _n, _v in SWEEP_VALUES:
    for _t in SWEEP_TESTS:
        case("sweept-%s-%s" % (_n, _t.split("(")[0]), "{{ %s is %s }}\n" % (_v, _t))
SWEEP_OPS = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "<", "in", "and", "or"]
for _a, _va in SWEEP_VALUES:
    for _b, _vb in SWEEP_VALUES:
        for _i, _op in enumerate(SWEEP_OPS):
            # (set operations of dict views are a documented difference)
            if "keys" in (_a, _b) and _op in ("-", "<"):
                continue
            case("sweepo-%s-%d-%s" % (_a, _i, _b), "{{ %s %s %s }}\n" % (_va, _op, _vb))

# ======================================================= methods of str, list, dict, tuple (round 2)
# (str.encode is left out: there is no bytes type, see COMPATIBILITY.md)
SWEEP_STR_CALLS = ["upper()", "lower()", "title()", "capitalize()", "swapcase()", "casefold()", "strip()", "strip('xa')", "lstrip()",
  "rstrip('x')", "replace('a', 'b')", "replace('a', 'b', 1)", "startswith('a')", "startswith(('x', 'a'))", "endswith('x')",
  "split()", "split('a')", "split('a', 1)", "rsplit('a', 1)", "splitlines()", "splitlines(true)", "join(['1', '2'])", "find('a')",
  "rfind('a')", "index('a')", "rindex('a')", "count('a')", "zfill(8)", "isdigit()", "isalpha()", "isalnum()", "isspace()",
  "islower()", "isupper()", "isnumeric()", "isdecimal()", "istitle()", "isidentifier()", "format(1)", "center(9, '*')",
  "ljust(9)", "rjust(9, '-')", "partition('a')", "rpartition('a')", "removeprefix(' a')", "removesuffix('x ')", "expandtabs(4)",
  "split(none, 1)", "split(sep='a')", "find('a', 2)", "count('')", "index('zz')", "center(3)", "title()|length",
  "format_map({})", "maketrans('a', 'b')", "translate({97: 'z'})", "__len__()", "strip(5)", "startswith()", "split('')",
  "zfill('x')", "join([1])", "ljust(5, 'ab')"]
SWEEP_STRS = [("s", "' aXa bx '"), ("u", "'Ünï\\tcode\\nline'"), ("e", "''")]
for _n, _s in SWEEP_STRS:
    for _i, _c in enumerate(SWEEP_STR_CALLS):
        case("sweepm-%s-%d" % (_n, _i), "{{ %s.%s }}\n" % (_s, _c))
SWEEP_LIST_CALLS = ["append(4)", "extend([5, 6])", "insert(0, 'x')", "insert(-1, 'y')", "insert(99, 'z')", "pop()", "pop(0)", "pop(9)",
  "remove(2)", "remove(9)", "reverse()", "sort()", "sort(reverse=true)", "copy()", "clear()", "index(2)", "index(9)", "count(1)",
  "extend(range(2))", "extend('ab')", "sort(key=none)", "index(1, 1)", "__getitem__(0)"]
for _i, _c in enumerate(SWEEP_LIST_CALLS):
    case("sweepm-list-%d" % _i, "{%% set l = [3, 1, 2, 1] %%}{{ l.%s }}|{{ l }}\n" % _c)
SWEEP_DICT_CALLS = ["get('a')", "get('z', 0)", "get('z')", "keys()|list", "values()|list", "items()|list", "update({'c': 3})",
  "update(c=3)", "update([('d', 4)])", "pop('a')", "pop('z', 9)", "pop('z')", "setdefault('a', 5)", "setdefault('n')",
  "copy()", "clear()", "popitem()", "fromkeys(['x'])", "update(5)", "get()", "items()|first", "__contains__('a')"]
for _i, _c in enumerate(SWEEP_DICT_CALLS):
    case("sweepm-dict-%d" % _i, "{%% set d = {'a': 1, 'b': 2} %%}{{ d.%s }}|{{ d }}\n" % _c)
SWEEP_TUPLE_CALLS = ["index(2)", "count(1)", "index(9)"]
for _i, _c in enumerate(SWEEP_TUPLE_CALLS):
    case("sweepm-tuple-%d" % _i, "{{ (1, 2, 1).%s }}\n" % _c)
