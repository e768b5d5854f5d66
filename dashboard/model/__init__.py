"""The read model: one module per subject, each returning a typed, labelled `Table` for a request.

    table         Column, Table, Page: the typed result every subject returns, and the one query runner
    labels        source labels and links, edition titles, missing values, markdown escaping
    safety        the spreadsheet-formula guard (one rule for every CSV/XLSX writer)
    export        CSV bytes of a Table (UTF-8 with BOM, formula-guarded)
    indicators    the indicator catalogue
    observations  published figures with unit, period kind, edition and the cell they were read from
    regions       regions with their names
    sources       cited sources, publication editions, therapy areas
    loads         the load history and the data version
    cluster       companies, investments, products, events as read from their tables

Every function takes the engine as its first argument, so it runs in or outside a Flask request.
"""
