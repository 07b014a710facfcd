"""The page's stylesheet and the few lines of JavaScript it needs.

The chat sanitizes the HTML of its messages, stripping scripts, event
handlers and data attributes but keeping classes and ``#`` links. So the
"Open article" and "Copy citation" links in the replies are plain links with a
class, and one listener on the page (``BRIDGE_JS``, run by the article view)
acts on them: it copies the citation in the browser, or asks the server for
the article through a custom Gradio event of the article view.
"""

from __future__ import annotations

# Runs as the article view's js_on_load: `element`, `trigger` and `watch` are
# Gradio's. The listener is replaced, not added, if the view is mounted again.
BRIDGE_JS = """
const copyText = async (text) => {
  if (navigator.clipboard && window.isSecureContext) {
    try { await navigator.clipboard.writeText(text); return true; } catch (error) {}
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let copied = false;
  try { copied = document.execCommand('copy'); } catch (error) {}
  area.remove();
  return copied;
};
const onClick = async (event) => {
  const link = event.target.closest('a.qa-open, a.qa-copy');
  if (!link) return;
  event.preventDefault();
  if (link.classList.contains('qa-copy')) {
    const card = link.closest('.qa-card');
    const citation = card && card.querySelector('.qa-citation');
    if (!citation) return;
    const copied = await copyText(citation.textContent);
    const label = link.textContent;
    link.textContent = copied ? 'Copied \u2713' : 'Copy failed';
    setTimeout(() => { link.textContent = label; }, 1500);
    return;
  }
  for (const opened of document.querySelectorAll('.qa-opened')) {
    opened.classList.remove('qa-opened');
  }
  const card = link.closest('.qa-card');
  if (card) card.classList.add('qa-opened');
  trigger('open', {ref: link.getAttribute('href')});
};
if (window.qaBridge) document.removeEventListener('click', window.qaBridge);
window.qaBridge = onClick;
document.addEventListener('click', onClick);
watch('value', () => {
  const passage = element.querySelector('#qa-open-passage');
  const box = element.closest('.block') || element;
  if (passage) {
    passage.scrollIntoView({block: 'center'});
  } else {
    box.scrollTop = 0;
  }
  const rect = box.getBoundingClientRect();
  if (rect.top < 0 || rect.top > window.innerHeight) box.scrollIntoView({block: 'start'});
});
"""

# Runs with BRIDGE_JS, as the article view's js_on_load. Beside each date box it puts the
# browser's own date picker, which opens on the box's date or else on the corpus's oldest
# ("from") or newest ("to") date, not on today's month (Gradio's calendar opened on
# December 2026 for articles of 2020). The dates are the hidden "qa-dates" element's text,
# read at each click, as adding articles changes them. A date picked is written into the
# box as YYYY-MM-DD, as if typed, and the box is left, which reads it.
DATE_PICKER_JS = """
const ISO = /^\\d{4}-\\d{2}-\\d{2}$/;
const CALENDAR = '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" ' +
  'fill="none" stroke="currentColor" stroke-width="2"><rect x="3" y="5" width="18" ' +
  'height="16" rx="2"/><path d="M3 10h18M8 3v4M16 3v4"/></svg>';
const corpusDates = () => {
  const holder = document.getElementById('qa-dates');
  return ((holder && holder.textContent) || '').trim().split(/\\s+/);
};
const addPicker = (id, which) => {
  const box = document.getElementById(id);
  const text = box && box.querySelector('input, textarea');
  if (!text) return false;
  if (box.querySelector('input.qa-picker')) return true;
  const picker = document.createElement('input');
  picker.type = 'date';
  picker.className = 'qa-picker';
  picker.tabIndex = -1;
  picker.setAttribute('aria-hidden', 'true');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'qa-picker-button';
  button.title = 'Pick a date';
  button.setAttribute('aria-label', `Pick a date (${which === 0 ? 'from' : 'to'})`);
  button.innerHTML = CALENDAR;
  const prime = () => {
    const typed = text.value.trim();
    const start = corpusDates()[which] || '';
    picker.value = ISO.test(typed) ? typed : (ISO.test(start) ? start : '');
  };
  button.addEventListener('click', () => {
    prime();
    try { picker.showPicker(); } catch (error) { picker.focus(); }
  });
  picker.addEventListener('change', () => {
    if (!picker.value) return;
    text.value = picker.value;
    text.dispatchEvent(new Event('input', {bubbles: true}));
    text.focus();
    text.blur();
  });
  box.append(picker, button);
  return true;
};
// The boxes may render after this runs: try again for a while.
let tries = 0;
const addPickers = () => {
  const done = addPicker('qa-from', 0) & addPicker('qa-to', 1);
  if (!done && ++tries < 40) setTimeout(addPickers, 250);
};
addPickers();
"""

# After a reply: bring the newest question to the top of the chat, so the
# reply is read from its first line (the best sentence), not from its end.
SCROLL_TO_REPLY_JS = """
() => {
  const scroll = () => {
    const chat = document.querySelector('#qa-chat');
    if (!chat) return;
    const questions = chat.querySelectorAll('[data-testid="user"]');
    const last = questions[questions.length - 1];
    if (!last) return;
    let box = last.parentElement;
    while (box && box !== chat) {
      const style = getComputedStyle(box);
      if (/(auto|scroll)/.test(style.overflowY) && box.scrollHeight > box.clientHeight) break;
      box = box.parentElement;
    }
    if (!box || box === chat) return;
    const offset = last.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += offset - 8;
  };
  requestAnimationFrame(() => setTimeout(scroll, 60));
}
"""

CSS = """
.qa-header h1 { margin: 0 0 2px; }
.qa-header p { margin: 0; color: var(--body-text-color-subdued); }
/* Gradio floats the chat's scroll-down button over the middle of its bottom lines, where
   it hid letters ("376 of its s↓ldiers"). It sits at the right, left of the scrollbar,
   and the text of every message keeps clear of it, while the question's band still
   runs the chat's whole width (a gutter beside it looked like a layout fault). */
#qa-chat .message-row.bot-row { padding-right: 72px; }
#qa-chat .message-row.user-row .message { padding-right: 56px; }
#qa-chat .scroll-down-button-container { left: auto; right: 20px; transform: none; }
/* The question box is on the first screen at 1366x768, 1400x900 and on a phone (390x844):
   the chat takes the height the rest leaves (Gradio's fixed 62vh pushed the box below the
   fold), and on a narrow screen the description goes and the date boxes share a line. */
.qa-header h1 { font-size: 1.4rem; }
.qa-header p { font-size: 0.88rem; }
#qa-chat { height: max(220px, calc(100vh - 390px)) !important; }
@media (max-width: 640px) {
  .qa-header p { display: none; }
  #qa-outlets, #qa-undated { min-width: 100% !important; }
  #qa-from, #qa-to { min-width: 120px !important; flex: 1 1 40% !important; }
  #qa-chat { height: max(200px, calc(100vh - 520px)) !important; }
}
#qa-status { margin-top: -6px; font-size: 0.85rem; color: var(--body-text-color-subdued); }
#qa-status .qa-error { color: var(--error-text-color, #b91c1c); font-weight: 600; }
/* The corpus's dates, read by DATE_PICKER_JS: data for the pickers, not text to read. */
#qa-dates { display: none !important; }
/* The browser's date picker sits at the right end of its date box, its icon only. */
#qa-from, #qa-to { position: relative; }
#qa-from input, #qa-to input { padding-right: 36px; }
/* The picker itself is hidden under its button, which opens it (showPicker). */
.qa-picker { position: absolute; right: 10px; bottom: 10px; width: 26px; height: 26px;
  opacity: 0; pointer-events: none; }
.qa-picker-button { position: absolute; z-index: 3; right: 9px; bottom: 10px; width: 28px;
  height: 28px; padding: 4px; border: none; background: transparent; cursor: pointer;
  color: var(--body-text-color-subdued); }
.qa-picker-button:hover { color: var(--color-accent); }
.qa-reply { display: flex; flex-direction: column; gap: 10px; }
.qa-reply blockquote { margin: 0; border: none; padding: 0; }
.qa-reply p { margin: 0; }
.qa-note, .qa-muted { color: var(--body-text-color); opacity: 0.68; font-size: 0.9em; }
.qa-label, .qa-cards-label {
  font-size: 0.78rem; font-weight: 600; letter-spacing: 0.04em; text-transform: uppercase;
  color: var(--body-text-color); opacity: 0.68;
}
.qa-differ .qa-label, .qa-nearest-label { opacity: 1; }
.qa-differ .qa-label, .qa-nearest-label { color: #b45309 !important; }
.qa-best { border-left: 4px solid var(--color-accent); padding: 4px 0 4px 12px; }
.qa-best.qa-unsure { border-left-color: #d97706; }
.qa-unsure .qa-label { color: #b45309 !important; opacity: 1; }
.qa-quote { font-size: 1.12em; line-height: 1.5; margin: 4px 0 !important; }
.qa-num { font-weight: 600; color: var(--color-accent); }
.qa-source { font-size: 0.9em; }
.qa-not-found {
  border-left: 4px solid #d97706; padding: 6px 12px; background: rgba(217, 119, 6, 0.08);
  border-radius: 0 6px 6px 0;
}
.qa-differ {
  border: 1px solid rgba(217, 119, 6, 0.45); border-radius: 8px; padding: 8px 10px;
  background: rgba(217, 119, 6, 0.05);
}
.qa-differ-grid {
  display: grid; gap: 8px; margin-top: 6px;
  grid-template-columns: repeat(auto-fit, minmax(170px, 1fr));
}
.qa-figure { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 6px 8px;
  background: var(--background-fill-primary); font-size: 0.9em; }
.qa-figure-number { font-size: 1.35em; font-weight: 700; line-height: 1.2; }
.qa-reply .qa-figure blockquote.qa-sentence { margin: 2px 0 0 !important; padding: 0 !important; }
.qa-figure-source { opacity: 0.7; margin-top: 4px; font-size: 0.9em; }
.qa-cards { display: flex; flex-direction: column; gap: 8px; }
.qa-card {
  border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px;
  background: var(--background-fill-secondary);
}
.qa-card.qa-opened { border-color: var(--color-accent); box-shadow: 0 0 0 1px var(--color-accent); }
.qa-card.qa-nearest { border-style: dashed; opacity: 0.9; }
.qa-card-head { font-size: 0.88em; }
.qa-copies { font-size: 0.82em; margin-top: 2px; }
.qa-card .qa-sentence { margin: 4px 0 !important; }
.qa-card details { font-size: 0.88em; }
.qa-card summary { cursor: pointer; opacity: 0.7; }
.qa-card .qa-passage { margin-top: 4px; }
.qa-card-foot { display: flex; gap: 14px; align-items: center; font-size: 0.85em; margin-top: 4px; }
.qa-card-foot a { font-weight: 600; }
.qa-score { opacity: 0.7; margin-right: auto; }
.qa-citation { display: none; }
.qa-tag {
  font-size: 0.75rem; font-weight: 700; text-transform: uppercase; color: #b45309;
  border: 1px solid #d97706; border-radius: 4px; padding: 0 4px; margin-right: 4px;
}
.qa-reply mark, .qa-article mark { background: rgba(250, 204, 21, 0.45); color: inherit;
  padding: 0 1px; border-radius: 2px; }
/* The view scrolls with no padding of its own, so the title can stick to its very top. */
#qa-viewer .html-container { padding: 0; }
.qa-article { padding: 0 16px 16px; }
.qa-article-head { position: sticky; top: 0; z-index: 1; padding: 14px 0 8px;
  background: var(--block-background-fill); border-bottom: 1px solid var(--border-color-primary); }
.qa-article h3 { margin: 0 0 4px; }
.qa-article-meta { opacity: 0.75; font-size: 0.9em; }
.qa-article-body { margin-top: 10px; line-height: 1.6; }
.qa-article .qa-passage { background: rgba(59, 130, 246, 0.10); border-radius: 3px;
  box-shadow: 0 0 0 3px rgba(59, 130, 246, 0.10); }
.qa-viewer-empty { color: var(--body-text-color-subdued); padding: 24px 16px; }
.qa-corpus { display: flex; flex-direction: column; gap: 8px; }
.qa-corpus-item { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 12px; }
.qa-corpus-head { display: flex; gap: 12px; align-items: baseline; }
.qa-corpus-title { font-weight: 600; margin-right: auto; }
.qa-corpus-meta { font-size: 0.88em; margin-top: 2px; }
.qa-corpus a.qa-open { font-weight: 600; }
.qa-add-report { display: flex; flex-direction: column; gap: 8px; }
.qa-add-item { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 12px; }
.qa-add-status { font-weight: 600; font-size: 0.85em; padding: 1px 8px; border-radius: 10px;
  border: 1px solid currentColor; }
.qa-add-added, .qa-add-ready { color: #15803d; }
.qa-add-present { color: var(--body-text-color); opacity: 0.75; }
.qa-add-skipped { color: #b91c1c; }
.qa-add-name { font-weight: 600; overflow-wrap: anywhere; }
.qa-add-reason { font-size: 0.9em; margin-top: 2px; }
.qa-add-article { margin-top: 6px; }
.qa-add-summary { font-weight: 600; margin: 0; }
"""
