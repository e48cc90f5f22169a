"""Safe YAML loading that remembers the line of every value, so problems can say where they are."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int | float | None, ...]  # keys (any YAML scalar, bool being an int) and list indices


MAX_VALUES = 100_000  # a national calendar holds a few thousand
MAX_DEPTH = 20


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, line: int | None):
        self.line = line
        super().__init__(message)


@dataclass
class LocatedDocument:
    data: object
    # 1-based line of each value's key (or list item); the root is ()
    lines: dict[Path, int] = field(default_factory=dict)
    # keys written twice in one mapping, each with the line of the repeat
    duplicate_keys: list[tuple[Path, int]] = field(default_factory=list)

    def line(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest ancestor present (where a missing key belongs)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def load_located(text: str) -> LocatedDocument:
    try:
        loader = yaml.SafeLoader(text)  # refuses a NUL or another character YAML does not allow, at once
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error).split("\n")[0], None) from error
    try:
        root = loader.get_single_node()
        if root is None:
            return LocatedDocument(None)
        document = LocatedDocument(None)
        document.data = _Builder(loader, document).build(root, ())
        return document
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        detail = error.problem or error.context or "not valid YAML"
        context = error.context_mark
        if error.problem and error.context and context and mark and context.line != mark.line:
            # the parser often notices a slip a line after it: name where it started looking too
            detail += f"; {error.context} at line {context.line + 1}"
        raise YamlSyntaxError(detail, mark.line + 1 if mark else None) from error
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), None) from error
    finally:
        loader.dispose()


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, document: LocatedDocument):
        self.loader = loader
        self.document = document
        self.open: set[int] = set()  # nodes being built, so a recursive alias cannot loop for ever
        self.built = 0  # values built: aliases repeating aliases (a "billion laughs") cannot grow without end

    def build(self, node: Node, path: Path) -> object:
        self.built += 1
        if self.built > MAX_VALUES or len(path) > MAX_DEPTH:
            raise YamlSyntaxError(
                f"the file holds more than {MAX_VALUES} values or nests deeper than {MAX_DEPTH} levels (aliases such as *name that "
                "repeat others do that): write the calendar out in full", node.start_mark.line + 1)
        self.document.lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in self.open:
            return None
        self.open.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            if isinstance(node, SequenceNode):
                return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
            return self._scalar(node)
        finally:
            self.open.discard(id(node))

    def _mapping(self, node: MappingNode, path: Path) -> dict[object, object]:
        self.loader.flatten_mapping(node)  # resolves `<<` merge keys
        result: dict[object, object] = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node) if isinstance(key_node, ScalarNode) else str(key_node.value)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                key = str(key)
            key_path = path + (key,)
            line = key_node.start_mark.line + 1
            if key in result:
                self.document.duplicate_keys.append((key_path, line))
            self.document.lines[key_path] = line
            result[key] = self.build(value_node, key_path)
        return result

    def _scalar(self, node: ScalarNode) -> object:
        try:
            return self.loader.construct_object(node, deep=True)
        except ValueError:
            # e.g. a timestamp such as 2023-02-30: keep the text so the check can name it
            return node.value
