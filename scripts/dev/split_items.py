#!/usr/bin/env python3
"""split_items.py SPEC -- split a C test source into files by its items.

Run from the top of the checkout.  The split follows item NAMES, not line
numbers, so it can be redone after others added tests to the unsplit file
(a test added inside a range moves with it; one added after a range's last
item stays in the original file, which still compiles).

SPEC (see scripts/dev/split/*.spec):
    file    tests/unit/test_ipc.c
    fixture tests/unit/ipc_fixture "what the files share (\n: new line)"
    fix     repeat..raw_str          (an item, or FIRST..LAST in file order)
    chunk   tests/unit/test_ipc_codec.c "what it tests"
    take    test_codec_roundtrip..test_codec_wbuf_overflow

Items are top-level functions, data, struct/enum/union definitions,
macros and other top-level lines, each with the comments and blank lines
before it; a function's name is the NAME of its "NAME(" line, a struct's
"struct NAME".  Every item is copied verbatim, except:
  - a static function or array that another resulting file uses (by a
    call, as a value, or through a "prefix##" token paste of a macro)
    loses "static" and gets a prototype (or "extern") in FIXTURE.h; a
    static forward declaration of it becomes the prototype;
  - a fixture macro that defines "static T prefix##name(...)" (test_ipc's
    TRY) loses "static"; each of its expansions in FIXTURE.c gets a
    prototype.
Fixture macros and types go to FIXTURE.h, its functions and data to
FIXTURE.c.  The original keeps its head (comment, includes), the items no
fix/take line names, and main.  New files get the original's includes
and FIXTURE.h.  Add the new files to the program's _SOURCES yourself.
"""
import os
import re
import shlex
import textwrap
import sys

IDENT = r'[A-Za-z_][A-Za-z0-9_]*'


def strip_code(line, in_comment):
    """The line without comments, strings and char literals; and whether
    a block comment is still open at its end."""
    out = []
    i = 0
    n = len(line)
    while i < n:
        if in_comment:
            j = line.find('*/', i)
            if j == -1:
                return ''.join(out), True
            i = j + 2
            in_comment = False
            continue
        c = line[i]
        if line.startswith('/*', i):
            in_comment = True
            i += 2
            continue
        if line.startswith('//', i):
            break
        if c in '"\'':
            q = c
            i += 1
            while i < n and line[i] != q:
                i += 2 if line[i] == '\\' else 1
            i += 1
            out.append(q + q)
            continue
        out.append(c)
        i += 1
    return ''.join(out), in_comment


class Item:
    def __init__(self):
        self.lead = []      # blank and comment lines before it
        self.body = []
        self.name = None
        self.kind = None    # func, data, type, macro, other

    def text(self):
        return self.lead + self.body


def item_name(body):
    first = body[0]
    if first.startswith('#'):
        m = re.match(r'#\s*(define|undef)\s+(' + IDENT + ')', first)
        return ('macro', m.group(2)) if m else ('macro', first)
    joined = ' '.join(body)
    m = re.match(r'\s*(?:typedef\s+)?(struct|union|enum)\s+(' + IDENT +
                 r')\s*\{', joined)
    if m:
        return 'type', m.group(1) + ' ' + m.group(2)
    # function definition: a line starting with NAME(
    for ln in body:
        m = re.match(r'(' + IDENT + r')\(', ln)
        if m:
            if '{' in joined and body.index(ln) < len(body) - 1:
                return 'func', m.group(1)
            arg = re.match(r'\s*(' + IDENT + ')?', ln[len(m.group(1)) + 1:])
            return 'other', m.group(1) + '(' + (arg.group(1) or '')
    m = re.search(r'(' + IDENT + r')\s*(\[[^\]]*\])*\s*(=|;)', joined)
    if m:
        return 'data', m.group(1)
    return 'other', first.strip()


def parse(lines):
    """Head (up to the last #include before the first item), items."""
    last_inc = max(i for i, l in enumerate(lines) if l.startswith('#include'))
    head = lines[:last_inc + 1]
    items = []
    cur = Item()
    i = last_inc + 1
    n = len(lines)
    in_comment = False
    while i < n:
        l = lines[i]
        if in_comment or l.strip() == '' or \
                l.lstrip().startswith(('/*', '//')):
            _, in_comment = strip_code(l, in_comment)
            cur.lead.append(l)
            i += 1
            continue
        if l.startswith('#'):
            body = [l]
            while body[-1].endswith('\\') and i + 1 < n:
                i += 1
                body.append(lines[i])
            i += 1
            if re.match(r'#\s*undef', l) and items and not cur.lead:
                items[-1].body += body
                continue
            cur.body = body
            cur.kind, cur.name = item_name(body)
            items.append(cur)
            cur = Item()
            continue
        body = []
        depth = 0
        seen_brace = False
        while i < n:
            l = lines[i]
            body.append(l)
            code, in_comment = strip_code(l, in_comment)
            depth += code.count('{') - code.count('}')
            seen_brace = seen_brace or '{' in code
            i += 1
            s = code.rstrip()
            if depth == 0:
                if seen_brace and (s.endswith('}') or s.endswith(';')):
                    break
                if not seen_brace and s.endswith(';'):
                    break
                if not seen_brace and s.endswith(')') and \
                        (i >= n or not lines[i].startswith(('{', ' ', '\t'))):
                    break
        cur.body = body
        cur.kind, cur.name = item_name(body)
        items.append(cur)
        cur = Item()
    tail = cur.lead
    return head, items, tail


def select(items, specs, taken, where):
    names = [it.name for it in items]
    out = []
    for sp in specs:
        a, _, b = sp.partition('..')
        b = b or a
        try:
            ia = names.index(a)
            ib = names.index(b)
        except ValueError as e:
            sys.exit('%s: no item %s' % (where, e))
        if ib < ia:
            sys.exit('%s: %s comes after %s' % (where, a, b))
        for k in range(ia, ib + 1):
            if k in taken and ia == ib:
                sys.exit('%s: %s taken twice' % (where, names[k]))
            if k in taken:
                continue    # the fixture's, inside a chunk's range
            taken.add(k)
            out.append(k)
    return sorted(out)


def only_code(text):
    out = []
    inc = False
    for l in text.split('\n'):
        c, inc = strip_code(l, inc)
        out.append(c)
    return '\n'.join(out)


def wrap(decl):
    """OpenBSD style: at most 80 columns, continued with a tab and 4."""
    out = []
    while len(decl.expandtabs()) > 79:
        cut = -1
        for m in re.finditer(r', ', decl):
            if len(decl[:m.start() + 1].expandtabs()) <= 79:
                cut = m.start() + 1
        if cut == -1:
            break
        out.append(decl[:cut])
        decl = '\t    ' + decl[cut + 1:]
    return out + [decl]


def proto(it):
    """The prototype of a static function or the extern of static data."""
    body = it.body
    if it.kind == 'func':
        for k, ln in enumerate(body):
            if re.match(re.escape(it.name) + r'\(', ln):
                break
        rtype = ' '.join(x.strip() for x in body[:k])
        rtype = re.sub(r'^static\s+', '', rtype)
        j = k
        p = [body[j]]
        while ')' not in strip_code(p[-1], False)[0] or \
                strip_code(' '.join(p), False)[0].count('(') != \
                strip_code(' '.join(p), False)[0].count(')'):
            j += 1
            p.append(body[j])
        args = ' '.join(x.strip() for x in p)
        if rtype.endswith('*'):
            base = rtype.rstrip('*').rstrip()
            return base + '\t' + rtype[len(base):].strip() + args + ';'
        return rtype + '\t' + args + ';'
    decl = body[0]
    decl = re.sub(r'^static\s+', '', decl)
    decl = decl.split('=')[0].rstrip().rstrip(';').rstrip()
    return 'extern ' + decl + ';'


def unstatic(it):
    for k, ln in enumerate(it.body):
        if ln.startswith('static '):
            it.body[k] = ln[len('static '):]
            return


def macro_exports(mac, users, decls):
    """A fixture macro M(name, ...) that defines "static T\nP##name(A)":
    the expansions in the fixture .c are for every file, so the macro
    loses its static and each expansion gets a prototype."""
    b = mac.body
    if mac.kind != 'macro' or len(b) < 3 or \
            not re.match(r'static\s+\S.*\\$', b[1]):
        return
    m = re.match(r'#\s*define\s+(' + IDENT + r')\((' + IDENT + r')', b[0])
    f = re.match(r'(\w*)##' + (m.group(2) if m else '@') +
                 r'(\w*)(\(.*\))\s*\\$', b[2])
    if not m or not f:
        return
    rtype = re.sub(r'\s*\\$', '', b[1])[len('static'):].strip()
    n = 0
    for it in users:
        u = re.match(re.escape(m.group(1)) + r'\((' + IDENT + r')',
                     it.body[0])
        if it.kind == 'other' and u:
            decls.append('%s\t%s%s%s%s;' % (rtype, f.group(1), u.group(1),
                                            f.group(2), f.group(3)))
            n += 1
    if n:
        b[1] = re.sub(r'^static\s+', '', b[1])
        b[1] = b[1].expandtabs()
        # keep the line's backslash in its column
        body = b[1].rstrip('\\').rstrip()
        b[1] = body + '\t' * max(1, (72 - len(body) + 7) // 8) + '\\'


def main():
    spec = [shlex.split(l) for l in open(sys.argv[1]) if l.strip()
            and not l.startswith('#')]
    src = fixture = fixdesc = None
    fix = []
    chunks = []
    for w in spec:
        if w[0] == 'file':
            src = w[1]
        elif w[0] == 'fixture':
            fixture, fixdesc = w[1], w[2].replace('\\n', '\n')
        elif w[0] == 'fix':
            fix.append(w[1])
        elif w[0] == 'chunk':
            chunks.append([w[1], w[2].replace('\\n', '\n'), []])
        elif w[0] == 'take':
            chunks[-1][2].append(w[1])
        else:
            sys.exit('spec: what is ' + w[0])
    lines = open(src).read().split('\n')
    if lines[-1] == '':
        lines.pop()
    head, items, tail = parse(lines)
    # check: the items give back the file
    back = head + [l for it in items for l in it.text()] + tail
    assert back == lines, 'parse lost lines'
    taken = set()
    fixk = select(items, fix, taken, 'fixture')
    chk = [select(items, c[2], taken, c[0]) for c in chunks]
    rest = [k for k in range(len(items)) if k not in taken]
    fix_h = [k for k in fixk if items[k].kind in ('macro', 'type')]
    fix_c = [k for k in fixk if k not in fix_h]
    files = [('orig', rest)] + [('fixc', fix_c)] + \
        [(c[0], ks) for c, ks in zip(chunks, chk)]
    texts = {f: '\n'.join(l for k in ks for l in items[k].text())
             for f, ks in files}
    texts['fixh'] = '\n'.join(l for k in fix_h for l in items[k].text())
    code = {g: only_code(t) for g, t in texts.items()}
    # "mk_##n" in a macro names every mk_* function
    prefixes = {g: set(re.findall(r'\b(\w+)##', t)) for g, t in code.items()}
    decls = {f: [] for f, _ in files}
    for f, ks in files:
        for k in ks:
            it = items[k]
            if it.kind not in ('func', 'data'):
                continue
            if not any(l.startswith('static ') for l in it.body[:3]):
                continue
            if it.name == 'main':
                continue
            nm = re.escape(it.name)
            if it.kind == 'func':
                pat = re.compile(r'(?<![.>\w])' + nm + r'\s*\(|[(,=]\s*' +
                                 nm + r'\s*[,);]')
            else:
                pat = re.compile(r'(?<![.>\w])' + nm + r'\b')
            pasted = it.kind == 'func' and any(
                it.name.startswith(p) for g, ps in prefixes.items()
                if g != f for p in ps)
            if pasted or any(pat.search(t) for g, t in code.items()
                             if g != f):
                fwd = [items[j] for j in ks if items[j].kind == 'other' and
                       items[j].body[0].startswith('static ') and
                       re.search(r'\b' + nm + r'\(', items[j].body[0])]
                for fw in fwd:      # a static prototype before it
                    unstatic(fw)
                if fwd:
                    decls[f] += fwd[0].body
                else:
                    decls[f].append(proto(it))
                unstatic(it)
    for k in fix_h:
        macro_exports(items[k], [items[j] for j in fix_c], decls['fixc'])
    # types and macros outside the fixture that another file names
    for f, ks in files:
        for k in ks:
            it = items[k]
            if it.kind in ('macro', 'type'):
                nm = it.name.split()[-1]
                pat = re.compile(r'\b' + re.escape(nm) + r'\b')
                if any(pat.search(t) for g, t in texts.items()
                       if g not in (f, 'fixh')):
                    print('warning: %s in %s is named elsewhere' %
                          (it.name, f), file=sys.stderr)
    d = os.path.dirname(src)
    fixbase = os.path.basename(fixture)
    inc = '#include "%s.h"' % fixture
    first_inc = min(i for i, l in enumerate(head) if l.startswith('#include'))
    inc_block = head[first_inc:]
    guard = 'BH_' + re.sub(r'\W', '_', fixbase.upper()) + '_H'

    def comment(desc):
        text = ' '.join(desc.split())
        return ['/*'] + textwrap.wrap(text, 76, initial_indent=' * ',
                                      subsequent_indent=' * ') + [' */']

    def body(ks):
        out = []
        prev = None
        for k in ks:
            if prev is not None and k != prev + 1 and not items[k].lead:
                out.append('')
            out += items[k].text()
            prev = k
        while out and out[0].strip() == '':
            out.pop(0)
        return out
    h = comment('%s.h: %s' % (fixbase, fixdesc)) + \
        ['#ifndef ' + guard, '#define ' + guard, ''] + inc_block + \
        [''] + body(fix_h)
    for f, ks in files:
        if decls[f]:
            name = {'orig': os.path.basename(src),
                    'fixc': fixbase + '.c'}.get(f, os.path.basename(f))
            h += ['', '/* %s */' % name] + \
                [x for d in decls[f] for x in wrap(d)]
    h += ['', '#endif']
    open(fixture + '.h', 'w').write('\n'.join(h) + '\n')
    c = comment('%s.c: the helpers of %s.h.' % (fixbase, fixbase)) + \
        inc_block + ['', inc, ''] + body(fix_c)
    open(fixture + '.c', 'w').write('\n'.join(c) + '\n')
    for (nf, desc, _), ks in zip(chunks, chk):
        t = comment('%s: %s' % (os.path.basename(nf), desc)) + inc_block + \
            ['', inc, ''] + body(ks)
        open(nf, 'w').write('\n'.join(t) + '\n')
    o = head + ['', inc, ''] + body(rest) + tail
    open(src, 'w').write('\n'.join(o) + '\n')
    for f, ks in [('fixture', fixk)] + [(c[0], ks) for c, ks in
                                          zip(chunks, chk)] + [('rest', rest)]:
        print('%s: %s' % (f, ' '.join(items[k].name for k in ks
                                       if items[k].kind in ('func', 'data', 'type', 'macro'))))


if __name__ == '__main__':
    main()
