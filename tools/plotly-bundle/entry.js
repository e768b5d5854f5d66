// The partial plotly.js bundle the atlas serves (assets/vendor/plotly-atlas.min.js), built by build.sh.
// scatter and every layout component (legend, hover, annotations, shapes, colorbar, modebar, ...) come
// with plotly.js/lib/core; these are the other trace types the dashboard draws (grep dashboard/ for go.X
// and "type": when adding one; a figure with a missing trace type draws nothing for that trace).
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/choropleth'),
    require('plotly.js/lib/treemap'),
    require('plotly.js/lib/sunburst'),
    require('plotly.js/lib/table')
]);

module.exports = Plotly;
