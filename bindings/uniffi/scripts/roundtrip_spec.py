"""Copies the spec and adds a namespace with two operations and three new schemas, by
text (the spec's layout is fixed: top-level `paths:` and `components: schemas:`)."""
import sys

src, dst = sys.argv[1], sys.argv[2]
text = open(src, encoding="utf-8").read()

PATHS = """  /widgets:
    get:
      tags: [widgets]
      operationId: widgets_list
      summary: List widgets
      parameters:
        - $ref: '#/components/parameters/Limit'
        - $ref: '#/components/parameters/Cursor'
      responses:
        '200':
          description: A page of widgets.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/WidgetList'}
  /widgets/{id}/frobnicate:
    post:
      tags: [widgets]
      operationId: widgets_frobnicate
      summary: Frobnicate a widget
      parameters:
        - name: id
          in: path
          required: true
          schema: {type: string}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/FrobnicateInput'}
      responses:
        '200':
          description: The frobnicated widget.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Widget'}
"""

SCHEMAS = """    Widget:
      type: object
      description: A widget (round-trip drill).
      required: [id, name, kind]
      properties:
        id: {type: string}
        name: {type: string}
        kind: {$ref: '#/components/schemas/WidgetKind'}
        sprocketCount: {type: integer, nullable: true}
    WidgetKind:
      type: string
      enum: [round, square]
    WidgetList:
      type: object
      required: [items]
      properties:
        items:
          type: array
          items: {$ref: '#/components/schemas/Widget'}
        nextCursor: {type: string, nullable: true}
    FrobnicateInput:
      type: object
      required: [intensity]
      properties:
        intensity: {type: number}
"""

def insert_after(text, marker, block):
    at = text.index(marker) + len(marker)
    return text[:at] + block + text[at:]

text = insert_after(text, "\npaths:\n", PATHS)
text = insert_after(text, "\n  schemas:\n", SCHEMAS)
text = text.replace("\ntags:\n", "\ntags:\n  - name: widgets\n    description: Widgets (round-trip drill).\n", 1)
open(dst, "w", encoding="utf-8").write(text)
