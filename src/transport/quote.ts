// Owns the `quote` filter and helper used by templates (Jinja `| quote`, Handlebars `quote`):
// the same single-quote form as the script builder, which owns quoting for node scripts.
import { quoteWord } from "./sh.js";

export const quote = quoteWord;
