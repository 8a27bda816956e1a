# Random templates for the differential harness: `tools/jinja-diff
# Tests/JinjaTests/Differential/fuzz.py`. Deterministic for a seed; JINJA_FUZZ_SEED
# (default 1) and JINJA_FUZZ_N (cases per generator, default 200) choose the run.
#
# fuzz-scope-*: sets, loops (with else and loop.index), ifs, macros with defaults,
#   call blocks, with, namespaces, set blocks and includes, nested at random: Jinja's
#   compile-time scoping, caller, loop in includes, runaway recursion.
# fuzz-inherit-*: a child extending a base whose blocks (scoped or not) sit in loops,
#   super(), self.block(), imports with and without context, strict undefined.
import os
import random

SEED = int(os.environ.get("JINJA_FUZZ_SEED", "1"))
N = int(os.environ.get("JINJA_FUZZ_N", "200"))
CASES = []


def case(name, template, context=None, env=None, files=None, error=None):
    CASES.append(dict(name=name, template=template, context=context,
                      env=env, files=files, error=error))


rnd = random.Random(SEED)
VARS1 = ["a", "b", "c", "x", "y"]

def expr1(ctx, depth=0):
    r = rnd.random()
    if r < 0.45:
        return rnd.choice(VARS1 + ctx["extra"])
    if r < 0.55:
        return repr(rnd.choice(["s", "t", 1, 2]))
    if r < 0.65 and depth < 2:
        return "(%s ~ '-' ~ %s)" % (expr1(ctx, depth + 1), expr1(ctx, depth + 1))
    if r < 0.72:
        return "%s|default('d')" % rnd.choice(VARS1 + ctx["extra"])
    if r < 0.78 and ctx["loop"]:
        return "loop.index"
    if r < 0.82 and ctx["macros"]:
        return "%s(%s)" % (rnd.choice(ctx["macros"]), expr1(ctx, depth + 1) if depth < 2 else "1")
    if r < 0.86:
        return "ns.v"
    if r < 0.9 and ctx["incaller"]:
        return "caller()"
    return "(%s is defined)" % rnd.choice(VARS1)

def stmts1(ctx, depth):
    out = []
    for _ in range(rnd.randint(1, 4 if depth < 2 else 2)):
        out.append(stmt1(ctx, depth))
    return "".join(out)

def stmt1(ctx, depth):
    r = rnd.random()
    v = rnd.choice(VARS1)
    if r < 0.25 or depth >= 3:
        return "[{{ %s }}]" % expr1(ctx)
    if r < 0.4:
        return "{%% set %s = %s %%}" % (v, expr1(ctx))
    if r < 0.52:
        inner = dict(ctx, loop=True, extra=ctx["extra"] + [v])
        body = stmts1(inner, depth + 1)
        els = "{%% else %%}%s" % stmts1(ctx, depth + 1) if rnd.random() < 0.3 else ""
        return "{%% for %s in [%s, %s] %%}%s%s{%% endfor %%}" % (v, expr1(ctx), expr1(ctx), body, els)
    if r < 0.62:
        return "{%% if %s %%}%s{%% else %%}%s{%% endif %%}" % (expr1(ctx), stmts1(ctx, depth + 1), stmts1(ctx, depth + 1))
    if r < 0.72:
        name = "m%d" % len(ctx["macros"])
        p = rnd.choice(VARS1)
        inner = dict(ctx, loop=False, incaller=rnd.random() < 0.5, extra=ctx["extra"] + [p])
        body = stmts1(inner, depth + 1)
        ctx["macros"].append(name)
        return "{%% macro %s(%s, q=%s) %%}%s{%% endmacro %%}" % (name, p, expr1(ctx), body)
    if r < 0.78 and ctx["macros"]:
        m = rnd.choice(ctx["macros"])
        return "{%% call %s(%s) %%}%s{%% endcall %%}" % (m, expr1(ctx), stmts1(dict(ctx, loop=False), depth + 1))
    if r < 0.84:
        return "{%% with %s = %s %%}%s{%% endwith %%}" % (v, expr1(ctx), stmts1(dict(ctx, extra=ctx["extra"] + [v]), depth + 1))
    if r < 0.9:
        return "{%% set ns.v = %s %%}" % expr1(ctx)
    if r < 0.95:
        return "{% include 'i.j2' %}"
    return "{%% set %s %%}%s{%% endset %%}" % (v, stmts1(ctx, depth + 1))

FILES1 = {"i.j2": "<{% for n in ['a', 'b', 'c', 'x', 'y', 'loop', 'q'] %}{{ n }}={{ (n in ['a']) }}{% endfor %}{{ a }}|{{ b }}|{{ x }}|{{ y }}|{{ loop is defined }}|{{ q is defined }}>"}
for i in range(N):  # scoping fuzz
    ctx = {"loop": False, "macros": [], "incaller": False, "extra": []}
    t = "{% set ns = namespace(v='n0') %}" + stmts1(ctx, 0) + "\n"
    case("fuzz-scope-%d-%d" % (SEED, i), t, context={"a": "ctx_a", "b": "ctx_b"}, files=FILES1)

VARS2 = ["a", "b", "x", "i"]
def expr2():
    r = rnd.random()
    if r < 0.4: return rnd.choice(VARS2)
    if r < 0.5: return "%s|default('D')" % rnd.choice(VARS2)
    if r < 0.6: return "(%s is defined)" % rnd.choice(VARS2 + ["loop", "super", "self"])
    if r < 0.68: return "loop.index|default('nl')"
    if r < 0.75: return "self.%s()" % rnd.choice(["b1", "b2"])
    if r < 0.82: return "m.mac(%s)" % rnd.choice(VARS2)
    if r < 0.88: return "(%s if %s)" % (rnd.choice(VARS2), rnd.choice(VARS2))
    if r < 0.94: return "[%s, %s]|select|list" % (rnd.choice(VARS2), rnd.choice(VARS2))
    return "'lit'"
def body2(depth=0, in_block=False):
    out = []
    for _ in range(rnd.randint(1, 3)):
        r = rnd.random()
        v = rnd.choice(VARS2)
        if r < 0.35: out.append("[{{ %s }}]" % expr2())
        elif r < 0.5: out.append("{%% set %s = %s %%}" % (v, expr2()))
        elif r < 0.6 and depth < 2: out.append("{%% for i in [1, 2] %%}%s{%% endfor %%}" % body2(depth + 1, in_block))
        elif r < 0.7 and depth < 2: out.append("{%% if %s %%}%s{%% endif %%}" % (expr2(), body2(depth + 1, in_block)))
        elif r < 0.8 and in_block: out.append("{{ super() }}")
        elif r < 0.9: out.append("{% include 'inc.j2' %}")
        else: out.append("{%% with x = %s %%}%s{%% endwith %%}" % (expr2(), body2(depth + 1, in_block)))
    return "".join(out)
for n in range(N):
    base = ("{% import 'lib.j2' as m %}{% set a = 'base_a' %}" + body2() +
            "{% for i in [1, 2] %}{% block b1" + (" scoped" if rnd.random() < 0.5 else "") + " %}B1{{ i|default('-') }}" + body2(1, True) + "{% endblock %}{% endfor %}" +
            "{% block b2 %}B2" + body2(1, True) + "{% endblock %}" + body2())
    lib = "{% set lv = 'L' %}{% macro mac(p) %}<{{ p }}{{ lv }}{{ a|default('na') }}>{% endmacro %}"
    inc = "({{ a }}{{ b }}{{ x }}{{ i|default('ni') }}{{ loop is defined }})"
    child = ("{% extends 'base.j2' %}" + ("{% import 'lib.j2' as m with context %}" if rnd.random() < 0.5 else "{% import 'lib.j2' as m %}") +
             "{% set b = 'child_b' %}" +
             ("{% block b1 %}C1{{ i|default('-') }}" + body2(1, True) + "{% endblock %}" if rnd.random() < 0.7 else "") +
             ("{% block b2 %}C2" + body2(1, True) + "{% endblock %}" if rnd.random() < 0.7 else ""))
    env = {"undefined": "strict"} if rnd.random() < 0.3 else None
    case("fuzz-inherit-%d-%d" % (SEED, n), child + "\n", context={"a": "ctx_a", "x": "ctx_x"},
         files={"base.j2": base, "lib.j2": lib, "inc.j2": inc}, env=env)
