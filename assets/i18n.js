// RU/EN in the browser, the same formats as dashboard/i18n.py: AG Grid numbers and plotly's Russian texts.
window.dashAgGridFunctions = window.dashAgGridFunctions || {};

// A number as dashboard.i18n.format_number writes it: ru-RU groups with a no-break space and a decimal
// comma, en-US with commas and a point. digits null = format_number's default (0 for big or whole numbers,
// 1 from 10, else 2).
window.dashAgGridFunctions.atlasNumber = function (value, locale, digits, missing) {
  if (value === null || value === undefined || value === "") return missing || "";
  var number = Number(value);
  if (!isFinite(number)) return missing || "";
  if (digits === null || digits === undefined) {
    var size = Math.abs(number);
    digits = size >= 1000 || Number.isInteger(number) ? 0 : (size >= 10 ? 1 : 2);
  }
  return new Intl.NumberFormat(locale, {minimumFractionDigits: digits, maximumFractionDigits: digits})
    .format(number);
};

// plotly's modebar tooltips, notifications and date names in Russian, registered as its `ru` locale
// (dashboard.i18n.graph_config sets config.locale). NOTE: this file may run before or after the
// plotly bundle: plotly registers window.PlotlyLocales when it loads, and Plotly.register works after.
(function () {
  var ru = {
    moduleType: "locale",
    name: "ru",
    dictionary: {
      "Autoscale": "Автомасштаб",
      "Box Select": "Выделить прямоугольником",
      "Lasso Select": "Выделить лассо",
      "Compare data on hover": "Показывать все ряды при наведении",
      "Show closest data on hover": "Показывать ближайшую точку при наведении",
      "Toggle show closest data on hover": "Показ ближайшей точки при наведении: вкл./выкл.",
      "Toggle Spike Lines": "Линии к осям: вкл./выкл.",
      "Double-click on legend to isolate one trace": "Двойной щелчок по легенде оставит один ряд",
      "Double-click to zoom back out": "Двойной щелчок вернёт исходный масштаб",
      "Download plot": "Сохранить график",
      "Download plot as a png": "Сохранить график как PNG",
      "Download plot as a PNG": "Сохранить график как PNG",
      "Download plot as a svg": "Сохранить график как SVG",
      "Edit in Chart Studio": "Открыть в Chart Studio",
      "Pan": "Сдвиг",
      "Produced with Plotly": "Сделано с Plotly",
      "Produced with Plotly.js": "Сделано с Plotly.js",
      "Reset": "Сбросить",
      "Reset axes": "Вернуть оси",
      "Reset view": "Вернуть вид",
      "Reset views": "Вернуть виды",
      "Reset camera to default": "Вернуть камеру",
      "Reset camera to last save": "Вернуть сохранённую камеру",
      "Snapshot succeeded": "Снимок готов",
      "Sorry, there was a problem downloading your snapshot!": "Не удалось сохранить снимок",
      "Taking snapshot - this may take a few seconds": "Снимок сохраняется, это может занять несколько секунд",
      "Zoom": "Масштаб",
      "Zoom in": "Увеличить",
      "Zoom out": "Уменьшить",
      "Orbital rotation": "Вращение по орбите",
      "Turntable rotation": "Вращение вокруг оси",
      "lat:": "шир.:",
      "lon:": "долг.:",
      "max:": "макс.:",
      "min:": "мин.:",
      "mean:": "среднее:",
      "median:": "медиана:",
      "trace": "ряд",
      "new text": "новый текст",
      "source:": "откуда:",
      "target:": "куда:"
    },
    format: {
      days: ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
      shortDays: ["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
      months: ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
               "октябрь", "ноябрь", "декабрь"],
      shortMonths: ["янв.", "февр.", "март", "апр.", "май", "июнь", "июль", "авг.", "сент.", "окт.",
                    "нояб.", "дек."],
      date: "%d.%m.%Y",
      decimal: ",",
      thousands: "\u00a0"
    }
  };
  if (window.Plotly && typeof window.Plotly.register === "function") {
    window.Plotly.register(ru);
  } else {
    window.PlotlyLocales = window.PlotlyLocales || [];
    window.PlotlyLocales.push(ru);
  }
})();

// A change as the scorecard writes it: +5,3 % (levels) or −0,4 п. п. (rates, indices), in the page's locale.
window.dashAgGridFunctions.atlasChange = function (value, unit, locale, pointsLabel) {
  if (value === null || value === undefined || !isFinite(Number(value))) return "";
  var number = Number(value);
  var text = new Intl.NumberFormat(locale, {minimumFractionDigits: 1, maximumFractionDigits: 1,
                                            signDisplay: "exceptZero"}).format(number);
  if (unit === "points") return text + "\u00a0" + pointsLabel;
  return locale === "ru-RU" ? text + "\u00a0%" : text + "%";
};

// A grid cell that links to a page (params.data.href), keyboard-reachable like any link.
window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {};
window.dashAgGridComponentFunctions.ScorecardLink = function (props) {
  if (!props.data || !props.data.href) return props.value;
  return window.React.createElement("a", {href: props.data.href, className: "scorecard-link"}, props.value);
};

// Every graph's modebar and date names in the page's language: plotly's global config (a graph's own
// config.locale, dashboard.i18n.graph_config, wins where a card sets it). The language switch reloads the
// page, so the URL's ?lang= at load is the page's language. NOTE: the plotly bundle may load after this
// file (assets/vendor/) or later still (deferred bundles), so wait for it.
(function () {
  var lang = new URLSearchParams(window.location.search).get("lang") === "en" ? "en" : "ru";
  var tries = 0;
  function apply() {
    if (window.Plotly && typeof window.Plotly.setPlotConfig === "function") {
      window.Plotly.setPlotConfig({locale: lang});
      return;
    }
    if (tries++ < 400) window.setTimeout(apply, 25);
  }
  apply();
})();

// A cell holding data in its original language (a recorded English description on a Russian page): the text
// as recorded, its language said to the browser and to screen readers.
window.dashAgGridComponentFunctions.OriginalText = function (props) {
  if (props.value === null || props.value === undefined || props.value === "") return "";
  return window.React.createElement("span", {lang: "en", className: "original-text"}, props.value);
};
