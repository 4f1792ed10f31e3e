{
    'name': 'bus',
    'version': '1.0',
    'depends': ['base', 'web'],
    'installable': True,
}
