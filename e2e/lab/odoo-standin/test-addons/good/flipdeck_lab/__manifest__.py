{
    'name': 'Flipdeck lab helpers',
    'version': '1.0.0',
    'depends': ['web'],
    'installable': True,
}
