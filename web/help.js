// Search as you type on the help center: asks /v1/search after a short pause
// and lists the matches under the box. The form still works without it.
const DELAY_MS = 150;

for (const input of document.querySelectorAll("input[data-live-search]")) {
  const list = input.form.querySelector(".live-results");
  const lang = input.dataset.lang;
  let timer;
  let latest = 0;

  // Nothing matched (the engine judged it so, as the bot would): say so,
  // and offer the chat instead of leaving the box blank.
  const nothing = () => {
    const item = document.createElement("li");
    item.className = "none";
    const says = document.createElement("p");
    says.textContent = list.dataset.empty;
    const ask = document.createElement("button");
    ask.type = "button";
    ask.dataset.kefuOpen = "";
    ask.textContent = list.dataset.ask;
    item.append(says, ask);
    list.replaceChildren(item);
    list.hidden = false;
  };

  const show = (results) => {
    list.replaceChildren();
    for (const r of results) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = r.url;
      link.textContent = r.title;
      const snippet = document.createElement("p");
      // The server escapes the passage and adds only <mark> elements.
      snippet.innerHTML = r.snippet_html;
      item.append(link, snippet);
      list.append(item);
    }
    list.hidden = results.length === 0;
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) {
      show([]);
      return;
    }
    timer = setTimeout(async () => {
      const ticket = ++latest;
      try {
        const res = await fetch(`/v1/search?lang=${lang}&limit=6&q=${encodeURIComponent(q)}`);
        if (!res.ok || ticket !== latest) return;
        const { results } = await res.json();
        if (results.length) show(results);
        else nothing();
      } catch {
        // Offline or server busy: the plain form still works.
      }
    }, DELAY_MS);
  });

  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") show([]);
  });
}
