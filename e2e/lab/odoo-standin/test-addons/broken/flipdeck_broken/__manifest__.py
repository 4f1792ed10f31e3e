{
    'name': 'Broken import',
    'version': '1.0',
    'depends': ['base'],
}
