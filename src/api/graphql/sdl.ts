// GraphQL object types written from the REST API's zod response schemas, so a
// GraphQL answer has exactly the fields, names, nullability and descriptions
// of the REST answer it shares a query function with. Numbers are Float
// unless the schema says int; enums become String with their values listed.
import type { z } from 'zod';

type Schema = z.ZodType;
interface Def {
  type: string;
  innerType?: Schema;
  element?: Schema;
  shape?: Record<string, Schema>;
  entries?: Record<string, string>;
}

const defOf = (s: Schema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;
const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** `topTopics` → `TopTopic`: element types of lists are named in the singular. */
const singular = (s: string) => (s.endsWith('s') && !s.endsWith('ss') ? s.slice(0, -1) : s);
/** A block string; one ending in a quote gets a space, or the quote would close it. */
const quote = (d: string) => `"""${d.replace(/"""/g, '\\"""')}${d.endsWith('"') ? ' ' : ''}"""`;

export class SdlTypes {
  private readonly blocks = new Map<string, string>();
  private readonly bySchema = new Map<Schema, string>();
  private readonly byBody = new Map<string, string>();

  /** Names a schema reused in several answers (else it is named after where it appears). */
  constructor(private readonly names: ReadonlyMap<Schema, string> = new Map()) {}

  /** The object type of an answer, named `name`; returns the name. */
  object(name: string, schema: Schema): string {
    const known = this.bySchema.get(schema);
    if (known) return known;
    const def = defOf(schema);
    if (def.type !== 'object' || !def.shape) throw new Error(`${name}: not an object schema`);
    const fields = Object.entries(def.shape).map(([field, s]) => {
      const { type, description } = this.fieldType(s, `${name}${pascal(field)}`, field);
      return `${description ? `  ${quote(description)}\n` : ''}  ${field}: ${type}`;
    });
    const body = fields.join('\n');
    // The same fields under another name (e.g. a period { from to } in several answers): one type.
    const same = this.byBody.get(body);
    if (same) {
      this.bySchema.set(schema, same);
      return same;
    }
    const description = schema.description;
    this.blocks.set(name, `${description ? `${quote(description)}\n` : ''}type ${name} {\n${body}\n}`);
    this.bySchema.set(schema, name);
    this.byBody.set(body, name);
    return name;
  }

  /** Every type written so far, as SDL. */
  sdl(): string {
    return [...this.blocks.values()].join('\n\n');
  }

  private fieldType(schema: Schema, nameHint: string, field: string): { type: string; description?: string } {
    let s = schema;
    let nullable = false;
    let description = s.description;
    for (;;) {
      const def = defOf(s);
      if (def.type === 'optional' || def.type === 'nullable') nullable = true;
      else if (def.type !== 'default') break;
      s = def.innerType!;
      description ??= s.description;
    }
    const def = defOf(s);
    let type: string;
    switch (def.type) {
      case 'string':
        type = 'String';
        break;
      case 'boolean':
        type = 'Boolean';
        break;
      case 'number':
        type = (s as unknown as { isInt?: boolean }).isInt ? 'Int' : 'Float';
        break;
      case 'enum': {
        type = 'String';
        const values = `One of: ${Object.values(def.entries ?? {}).join(', ')}.`;
        description = description ? `${description.replace(/\.$/, '')}. ${values}` : values;
        break;
      }
      case 'array': {
        const inner = this.fieldType(def.element!, singular(nameHint), singular(field));
        type = `[${inner.type}]`;
        description ??= inner.description;
        break;
      }
      case 'object':
        type = this.object(this.names.get(s) ?? nameHint, s);
        break;
      default:
        throw new Error(`${nameHint}: zod type ${def.type} has no GraphQL mapping`);
    }
    return { type: nullable ? type : `${type}!`, description };
  }
}
