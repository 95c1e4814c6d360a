/* The archive's search: asks Pagefind's index (pagefind/, built with the site) and lists what it
   finds as links. Every word shown comes from the page's own data-* attributes, in its language. */
const box = document.querySelector(".site-search");
const site = new URL("../", import.meta.url);  // this file is in assets/, one below the root

/* Pagefind's excerpt is HTML with <mark> around the words found: keep the text and the marks,
   nothing else, whatever the page's text held. */
function excerpt(html) {
  const parsed = new DOMParser().parseFromString(`<p>${html}</p>`, "text/html");
  const p = document.createElement("p");
  for (const node of parsed.body.firstChild.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      p.append(mark);
    } else {
      p.append(node.textContent);
    }
  }
  return p;
}

function result(data) {
  const sub = (data.sub_results || []).find((s) => s.url !== data.url);
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = new URL((sub || data).url.replace(/^\//, ""), site).href;
  link.textContent = sub && sub.title !== data.meta.title
    ? `${data.meta.title}: ${sub.title}` : data.meta.title;
  item.append(link, excerpt((sub || data).excerpt));
  return item;
}

async function start() {
  const pagefind = await import(new URL("pagefind/pagefind.js", site).href);
  await pagefind.options({ excerptLength: 24 });
  const words = box.querySelector("input[type=search]");
  const selects = [...box.querySelectorAll("select[data-filter]")];
  const status = box.querySelector(".search-status");
  const list = box.querySelector(".search-results");
  const known = await pagefind.filters();
  for (const select of selects) {
    const values = Object.keys(known[select.dataset.filter] || {});
    values.sort((a, b) => a.localeCompare(b, document.documentElement.lang));
    for (const value of values) select.append(new Option(value, value));
  }
  let asked = 0;
  async function run() {
    const query = words.value.trim();
    const filters = {};
    for (const select of selects) if (select.value) filters[select.dataset.filter] = select.value;
    const mine = ++asked;
    if (!query && !Object.keys(filters).length) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    const found = await pagefind.search(query || null, { filters });
    const data = await Promise.all(found.results.slice(0, 20).map((r) => r.data()));
    if (mine !== asked) return;  // a later search has started: its results will show
    list.replaceChildren(...data.map(result));
    status.textContent = data.length
      ? box.dataset.found.replace("{n}", String(found.results.length)) : box.dataset.none;
  }
  let waiting;
  box.querySelector("form").addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  words.addEventListener("input", () => {
    clearTimeout(waiting);
    waiting = setTimeout(run, 250);
  });
  for (const select of selects) select.addEventListener("change", run);
  box.hidden = false;
}

if (box) {
  start().catch(() => {
    box.hidden = false;
    box.querySelector("form").hidden = true;
    box.querySelector(".search-status").textContent = box.dataset.failed;
  });
}
