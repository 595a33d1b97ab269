// Render every $$…$$ block of the Markdown files given on the command line with KaTeX
// (throwOnError): print the failures, exit 1 if any.
const katex = require(process.env.KATEX || 'katex');
const fs = require('fs');
let bad = 0, total = 0;
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, 'utf8');
  const re = /\$\$\n([\s\S]*?)\n\$\$/g;
  let m;
  while ((m = re.exec(text)) !== null) {
    total++;
    try { katex.renderToString(m[1], {displayMode: true, throwOnError: true, strict: 'ignore'}); }
    catch (e) { bad++; if (bad < 15) console.log(file + ': ' + e.message.slice(0, 200)); }
  }
}
console.log(`${total} blocks, ${bad} failed`);
process.exit(bad ? 1 : 0);
