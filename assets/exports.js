// Chart exports in the browser (dashboard/exports.py makes CSV and XLSX on the server):
// - the export menu (a <details> disclosure): Escape closes it and gives the focus back, choosing an item or
//   clicking elsewhere closes it;
// - PNG and SVG: a copy of the chart as plotted (Plotly.toImage on {data, layout}: the page's chart is left as it
//   is), framed by its title and unit and the card's note lines (.card-note: components.card_note) above and its
//   source line below, drawn into the image;
// - atlasExports.request(card): what a card shows around its chart (title, unit, source line and its links, the
//   view's address and language) for the XLSX and the page pack, read from the page as the user sees it.
(function () {
    "use strict";

    function text(el) {
        return el ? (el.textContent || "").replace(/\s+/g, " ").trim() : "";
    }

    // The card's note lines as shown: their text and colour; an empty or hidden one (the ranking's line in the line
    // view) is left out, so the image holds nothing extra.
    function notes(section) {
        var found = [];
        section.querySelectorAll(".card-note").forEach(function (el) {
            var line = text(el);
            if (line && el.getClientRects().length) {
                found.push({text: line, color: window.getComputedStyle(el).color || "#1f2933"});
            }
        });
        return found;
    }

    function context(section) {
        var id = section.id;
        var source = document.getElementById(id + "-source");
        var links = [];
        if (source) {
            source.querySelectorAll("a[href]").forEach(function (a) {
                links.push({label: text(a), url: a.href});
            });
        }
        var csv = document.getElementById(id + "-csv");  // a card whose CSV is the API's answer (indicators)
        return {
            card: id,
            csv: csv && csv.tagName === "A" ? csv.getAttribute("href") || "" : "",
            title: text(document.getElementById(id + "-title")),
            unit: text(document.getElementById(id + "-unit")),
            source: text(source),
            links: links
        };
    }

    function request(card) {
        var sections = card ? [document.getElementById(card)] : document.querySelectorAll("section.chart-card");
        var cards = [];
        Array.prototype.forEach.call(sections, function (section) {
            if (section) { cards.push(context(section)); }
        });
        closeMenus(null);
        return {
            cards: cards,
            url: window.location.href,
            lang: document.documentElement.lang || "ru",
            at: Date.now()  // a new value per click, so the same request twice still reaches the server
        };
    }

    // Text wraps at `maxWidth` pixels as the browser measures it in `font` (the image is drawn in the same font).
    var measure = document.createElement("canvas").getContext("2d");

    function wrap(line, maxWidth, font) {
        measure.font = font;
        var words = line.split(" "), lines = [], current = "";
        words.forEach(function (word) {
            var candidate = current ? current + " " + word : word;
            if (current && measure.measureText(candidate).width > maxWidth) {
                lines.push(current);
                current = word;
            } else {
                current = candidate;
            }
        });
        if (current) { lines.push(current); }
        return lines;
    }

    function escapeXml(value) {
        return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    }

    var FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

    // The chart as plotly draws it (an SVG of its own size), inside a taller SVG with the title and unit and the note
    // lines above it and the source line below it: nothing of the chart is moved, so no legend or label can overlap
    // the text.
    function composeSvg(chartSvg, width, height, info) {
        var pad = 16, titleSize = 17, noteSize = 14, sourceSize = 12;
        var title = info.title + (info.unit ? ", " + info.unit : "");
        var titleLines = wrap(title, width - 2 * pad, "600 " + titleSize + "px " + FONT);
        var noteLines = [];
        (info.notes || []).forEach(function (note) {
            wrap(note.text, width - 2 * pad, noteSize + "px " + FONT).forEach(function (line) {
                noteLines.push({text: line, color: note.color || "#1f2933"});
            });
        });
        var sourceLines = wrap(info.source || "", width - 2 * pad, sourceSize + "px " + FONT);
        var notesTop = pad + titleLines.length * (titleSize + 5);
        var top = notesTop + (noteLines.length ? 4 + noteLines.length * (noteSize + 4) : 0) + 6;
        var total = top + height + 8 + sourceLines.length * (sourceSize + 4) + pad;
        var parts = ['<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="' +
                     width + '" height="' + total + '" viewBox="0 0 ' + width + " " + total + '">',
                     '<rect width="100%" height="100%" fill="#ffffff"/>'];
        titleLines.forEach(function (line, i) {
            parts.push('<text x="' + pad + '" y="' + (pad + (i + 1) * (titleSize + 5) - 5) + '" font-family="' +
                       FONT + '" font-size="' + titleSize + '" font-weight="600" fill="#1f2933">' +
                       escapeXml(line) + "</text>");
        });
        noteLines.forEach(function (line, i) {
            parts.push('<text x="' + pad + '" y="' + (notesTop + 4 + (i + 1) * (noteSize + 4) - 4) + '" font-family="' +
                       FONT + '" font-size="' + noteSize + '" fill="' + escapeXml(line.color) + '">' +
                       escapeXml(line.text) + "</text>");
        });
        parts.push(chartSvg.replace(/^\s*(<\?xml[^>]*>)?\s*<svg /, '<svg x="0" y="' + top + '" '));
        sourceLines.forEach(function (line, i) {
            parts.push('<text x="' + pad + '" y="' + (top + height + 8 + (i + 1) * (sourceSize + 4) - 4) +
                       '" font-family="' + FONT + '" font-size="' + sourceSize + '" fill="#52606d">' +
                       escapeXml(line) + "</text>");
        });
        parts.push("</svg>");
        return {svg: parts.join(""), width: width, height: total};
    }

    function save(blob, filename) {
        var url = URL.createObjectURL(blob);
        var link = document.createElement("a");
        link.href = url;
        link.download = filename;
        document.body.appendChild(link);
        link.click();
        link.remove();
        window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    }

    function rasterise(image, scale) {
        return new Promise(function (resolve, reject) {
            var img = new Image();
            img.onload = function () {
                var canvas = document.createElement("canvas");
                canvas.width = image.width * scale;
                canvas.height = image.height * scale;
                var context2d = canvas.getContext("2d");
                context2d.scale(scale, scale);
                context2d.drawImage(img, 0, 0);
                canvas.toBlob(function (blob) { return blob ? resolve(blob) : reject(new Error("no PNG")); },
                              "image/png");
            };
            img.onerror = function () { reject(new Error("the SVG could not be drawn")); };
            img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(image.svg);
        });
    }

    function downloadImage(card, format) {
        var section = document.getElementById(card);
        var gd = section && section.querySelector(".js-plotly-plot");
        if (!gd || !gd.data || !window.Plotly) { return; }
        var info = context(section);
        info.notes = notes(section);
        var full = gd._fullLayout || {};
        var width = Math.round(full.width || gd.clientWidth || 900);
        var height = Math.round(full.height || gd.clientHeight || 450);
        // A copy of the figure at the size shown: the page's chart itself is not touched.
        var figure = {data: gd.data, layout: Object.assign({}, gd.layout, {width: width, height: height}),
                      config: {displaylogo: false}};
        window.Plotly.toImage(figure, {format: "svg", width: width, height: height}).then(function (url) {
            var comma = url.indexOf(",");
            var meta = url.slice(0, comma);
            var body = url.slice(comma + 1);
            var chartSvg = meta.indexOf(";base64") !== -1 ?
                new TextDecoder().decode(Uint8Array.from(atob(body), function (c) { return c.charCodeAt(0); })) :
                decodeURIComponent(body);
            var image = composeSvg(chartSvg, width, height, info);
            if (format === "svg") {
                save(new Blob([image.svg], {type: "image/svg+xml;charset=utf-8"}), card + ".svg");
                return null;
            }
            return rasterise(image, 2).then(function (blob) { save(blob, card + ".png"); });
        }).catch(function (error) {
            // The chart stays as it is; the reason goes to the console for developers.
            console.warn("image export failed", error);
        });
    }

    function closeMenus(except) {
        document.querySelectorAll("details.export-menu[open]").forEach(function (menu) {
            if (menu !== except) { menu.removeAttribute("open"); }
        });
    }

    document.addEventListener("click", function (event) {
        var target = event.target instanceof Element ? event.target : null;
        var image = target && target.closest(".export-image");
        if (image) {
            downloadImage(image.getAttribute("data-card"), image.getAttribute("data-format"));
        }
        var menu = target && target.closest("details.export-menu");
        if (target && target.closest(".export-menu-item")) {
            // Let Dash see the click first, then fold the menu away.
            window.setTimeout(function () { closeMenus(null); }, 0);
        } else {
            closeMenus(menu);
        }
    });

    document.addEventListener("keydown", function (event) {
        if (event.key !== "Escape") { return; }
        var open = document.querySelector("details.export-menu[open]");
        if (open) {
            open.removeAttribute("open");
            var summary = open.querySelector("summary");
            if (summary) { summary.focus(); }
        }
    });

    window.atlasExports = {context: context, request: request, composeSvg: composeSvg};
})();
