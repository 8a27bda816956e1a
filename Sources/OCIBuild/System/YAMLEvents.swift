// libyaml's event parser (through the shim's flat ko_yaml_event). Only the events cross
// into Swift: KollaFront composes them into nodes and types the scalars as PyYAML's
// SafeLoader does, so libyaml does the YAML 1.1 syntax and nothing else.

import CKollaShim

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One libyaml parse event, its strings copied out of the parser.
package struct YAMLEvent: Sendable, Equatable {
    /// What the event opens, closes or carries.
    package enum Kind: Sendable, Equatable {
        case streamStart, streamEnd, documentStart, documentEnd
        case alias, scalar, sequenceStart, sequenceEnd, mappingStart, mappingEnd
    }

    package var kind: Kind
    /// The node's anchor (`&name`); for `.alias`, the name it refers to.
    package var anchor: String?
    /// The node's tag as libyaml expands it (`!!int` → `tag:yaml.org,2002:int`), nil when none.
    package var tag: String?
    /// A scalar's text.
    package var value: String
    /// A scalar whose tag is to be resolved from its text: plain and untagged, or tagged `!`.
    package var plainImplicit: Bool
    /// 1-based line and column of the event's start.
    package var line: Int
    package var column: Int
}

/// A YAML syntax error as libyaml reports it, with its 1-based line.
package struct YAMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libyaml's problem text, with the construct it was reading when it has one
    /// (`could not find expected ':' (while scanning a simple key at line 3)`).
    package var message: String
    package var line: Int

    package var description: String { "line \(line): \(message)" }
}

/// Every event of the YAML stream `bytes` (UTF-8, or UTF-16 with a byte order mark), in order,
/// from `.streamStart` to `.streamEnd`.
/// - Throws: `YAMLSyntaxError` for malformed input, `NativeError` when libyaml cannot
///   allocate its parser.
package func yamlEvents(_ bytes: [UInt8]) throws -> [YAMLEvent] {
    guard let parser = bytes.withUnsafeBytes({ ko_yaml_open($0.baseAddress, $0.count) }) else {
        throw NativeError.posix("ko_yaml_open", errno: ENOMEM)
    }
    defer { ko_yaml_close(parser) }
    var events: [YAMLEvent] = []
    var raw = ko_yaml_event()
    while true {
        guard ko_yaml_next(parser, &raw) == 1 else {
            var line = 0
            var contextLine = 0
            var context: UnsafePointer<CChar>?
            let problem = String(cString: ko_yaml_problem(parser, &line, &context, &contextLine))
            var message = problem
            if let context {
                message += " (\(String(cString: context)) at line \(contextLine + 1))"
            }
            throw YAMLSyntaxError(message: message, line: line + 1)
        }
        let kind: YAMLEvent.Kind
        switch Int(raw.kind) {
        case Int(KO_YAML_STREAM_START): kind = .streamStart
        case Int(KO_YAML_STREAM_END): kind = .streamEnd
        case Int(KO_YAML_DOCUMENT_START): kind = .documentStart
        case Int(KO_YAML_DOCUMENT_END): kind = .documentEnd
        case Int(KO_YAML_ALIAS): kind = .alias
        case Int(KO_YAML_SCALAR): kind = .scalar
        case Int(KO_YAML_SEQUENCE_START): kind = .sequenceStart
        case Int(KO_YAML_SEQUENCE_END): kind = .sequenceEnd
        case Int(KO_YAML_MAPPING_START): kind = .mappingStart
        default: kind = .mappingEnd
        }
        var value = ""
        if let text = raw.value {
            value = String(decoding: UnsafeRawBufferPointer(start: text, count: raw.length), as: UTF8.self)
        }
        events.append(
            YAMLEvent(
                kind: kind, anchor: raw.anchor.map { String(cString: $0) }, tag: raw.tag.map { String(cString: $0) },
                value: value, plainImplicit: raw.plain_implicit != 0, line: raw.line + 1, column: raw.column + 1))
        if kind == .streamEnd { return events }
    }
}
