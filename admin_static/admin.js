// actix-sea admin: the "select all" box of lists, the foreign-key lookup boxes of forms and
// the search boxes over long many-to-many selects. Everything works without it: lookups fall
// back to typing the related row's key, and a long select is scrolled instead of searched.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-select-all]").forEach((all) => {
    all.addEventListener("change", () => {
      all.closest("form").querySelectorAll('input[name="id"]').forEach((box) => {
        box.checked = all.checked;
      });
    });
  });
  document.querySelectorAll(".lookup[data-lookup]").forEach(setUpLookup);
  document.querySelectorAll("input.many-search[data-many]").forEach(setUpManySearch);
});

// Shows only the options whose label contains the typed text (chosen ones stay visible).
function setUpManySearch(search) {
  const select = document.getElementById(search.dataset.many);
  if (!select) return;
  search.addEventListener("input", () => {
    const text = search.value.trim().toLowerCase();
    for (const option of select.options) {
      option.hidden = text !== "" && !option.selected && !option.text.toLowerCase().includes(text);
    }
  });
}

function setUpLookup(box) {
  const url = box.dataset.lookup;
  const key = box.querySelector('input[type="text"]');
  const search = box.querySelector(".lookup-search");
  const choice = box.querySelector("[data-choice]");
  const list = document.createElement("ul");
  list.className = "results";
  list.hidden = true;
  box.appendChild(list);
  search.hidden = false;
  let timer = null;
  let page = 1;

  const pick = (item) => {
    key.value = item.id;
    choice.textContent = item.text;
    search.value = "";
    list.hidden = true;
  };

  const load = async (append) => {
    const query = new URLSearchParams({ q: search.value, page: String(page) });
    let data;
    try {
      const response = await fetch(`${url}?${query}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch (error) {
      list.replaceChildren(note(`Lookup failed (${error.message}).`));
      list.hidden = false;
      return;
    }
    if (!append) list.replaceChildren();
    list.querySelector(".more")?.remove();
    for (const item of data.results) {
      const li = document.createElement("li");
      li.textContent = item.text;
      const id = document.createElement("span");
      id.className = "muted";
      id.textContent = ` #${item.id}`;
      li.appendChild(id);
      li.addEventListener("mousedown", (event) => { event.preventDefault(); pick(item); });
      list.appendChild(li);
    }
    if (data.results.length === 0 && !append) list.appendChild(note("No matches."));
    if (data.more) {
      const more = note("More…");
      more.classList.add("more");
      more.style.cursor = "pointer";
      more.addEventListener("mousedown", (event) => { event.preventDefault(); page += 1; load(true); });
      list.appendChild(more);
    }
    list.hidden = false;
  };

  search.addEventListener("input", () => {
    clearTimeout(timer);
    page = 1;
    timer = setTimeout(() => load(false), 200);
  });
  search.addEventListener("focus", () => { page = 1; load(false); });
  search.addEventListener("blur", () => { list.hidden = true; });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      const first = list.querySelector("li:not(.more)");
      if (first && !list.hidden) first.dispatchEvent(new MouseEvent("mousedown"));
    }
  });
}

function note(text) {
  const li = document.createElement("li");
  li.className = "more";
  li.textContent = text;
  return li;
}
