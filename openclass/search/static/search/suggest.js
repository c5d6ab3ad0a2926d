// The header's search box: suggestions as one types (an ARIA combobox with a listbox).
// Without JavaScript the box is a plain search form.
const DELAY_MS = 120;

function setUp(form) {
  const input = form.querySelector("[data-suggest]");
  const list = form.querySelector("[role=listbox]");
  const status = form.querySelector("[data-suggest-status]");
  if (!input || !list) return;
  let timer = null;
  let active = -1;
  let items = [];
  let asked = 0;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    items = [];
    active = -1;
  };

  const choose = (item) => {
    if (item.url) {
      window.location.assign(item.url);
    } else {
      input.value = item.text;
      form.submit();
    }
  };

  const highlight = (index) => {
    const options = list.querySelectorAll("[role=option]");
    options.forEach((option, i) => option.setAttribute("aria-selected", i === index ? "true" : "false"));
    active = index;
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };

  const show = (found) => {
    items = found;
    list.replaceChildren();
    found.forEach((item, i) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      const text = document.createElement("span");
      text.textContent = item.text;
      option.append(text);
      if (item.kind) {
        const kind = document.createElement("span");
        kind.className = "suggest-kind";
        kind.textContent = item.kind;
        option.append(" ", kind);
      }
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => choose(item));
      list.append(option);
    });
    const open = found.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (status) status.textContent = open ? status.dataset.template.replace("{n}", found.length) : "";
    active = -1;
  };

  const ask = async () => {
    const text = input.value.trim();
    if (!text) {
      close();
      return;
    }
    const mine = ++asked;
    try {
      const response = await fetch(`${input.dataset.suggest}?q=${encodeURIComponent(text)}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok || mine !== asked) return;
      const body = await response.json();
      if (mine === asked) show(body.suggestions || []);
    } catch (error) {
      close();
    }
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (list.hidden || !items.length) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight((active + 1) % items.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(items[active]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}

document.querySelectorAll("form[data-site-search]").forEach(setUp);
